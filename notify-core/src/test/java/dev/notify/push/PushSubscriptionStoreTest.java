package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.InvalidRequestException;
import dev.notify.push.PushTestDatabase.Kind;
import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The subscription table on both supported databases. */
class PushSubscriptionStoreTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00.123456789Z"));

    private PushSubscriptionStore store(PushTestDatabase db, int max) {
        return new PushSubscriptionStore(Jdbi.create(db.dataSource), clock, max);
    }

    private static PushSubscription subscription(String endpoint) {
        return Rfc8291Receiver.generate().subscription(endpoint);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void storesListsFindsAndDeletes(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            PushSubscription phone = subscription("https://fcm.googleapis.com/fcm/send/phone");
            PushSubscription laptop = subscription("https://updates.push.services.mozilla.com/wpush/v2/laptop");

            StoredPushSubscription a = store.subscribe("alice", phone, "Chrome/131");
            StoredPushSubscription b = store.subscribe("alice", laptop, null);
            store.subscribe("bob", subscription("https://web.push.apple.com/bob"), "Safari");

            assertThat(store.list("alice")).containsExactly(a, b);
            assertThat(store.ids("alice")).containsExactly(a.id(), b.id());
            assertThat(a.createdAt()).isEqualTo(Instant.parse("2026-11-02T09:00:00.123456Z"));
            assertThat(a.lastSuccessAt()).isNull();
            assertThat(store.find(a.id())).contains(a);
            assertThat(store.find(a.id()).orElseThrow().subscription()).isEqualTo(phone);
            assertThat(store.findAll(List.of(a.id(), b.id(), 999_999L))).containsOnlyKeys(a.id(), b.id());
            assertThat(store.delete(a.id())).isTrue();
            assertThat(store.delete(a.id())).isFalse();
            assertThat(store.find(a.id())).isEmpty();
            assertThat(store.list("alice")).containsExactly(b);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void sameEndpointTwiceIsStoredOnceWithTheLatestKeys(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            String endpoint = "https://fcm.googleapis.com/fcm/send/abc";
            StoredPushSubscription first = store.subscribe("alice", subscription(endpoint), "Chrome/130");
            clock.advance(Duration.ofDays(1));
            PushSubscription rotated = subscription(endpoint);

            StoredPushSubscription second = store.subscribe("alice", rotated, "Chrome/131");

            assertThat(second.id()).isEqualTo(first.id());
            assertThat(store.list("alice")).hasSize(1);
            StoredPushSubscription stored = store.find(first.id()).orElseThrow();
            assertThat(stored.subscription()).isEqualTo(rotated);
            assertThat(stored.userAgent()).isEqualTo("Chrome/131");
            assertThat(stored.createdAt()).isEqualTo(first.createdAt());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void endpointSubscribedByAnotherUserMovesToThemUnderANewId(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            PushSubscription shared = subscription("https://fcm.googleapis.com/fcm/send/shared-laptop");
            StoredPushSubscription alices = store.subscribe("alice", shared, null);

            StoredPushSubscription bobs = store.subscribe("bob", shared, null);

            assertThat(bobs.id()).isNotEqualTo(alices.id());
            assertThat(store.list("alice")).isEmpty();
            assertThat(store.list("bob")).containsExactly(bobs);
            assertThat(store.find(alices.id())).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void unsubscribeRemovesOnlyTheCallersOwn(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            String endpoint = "https://fcm.googleapis.com/fcm/send/bobs";
            store.subscribe("bob", subscription(endpoint), null);

            assertThat(store.unsubscribe("mallory", endpoint)).isFalse();
            assertThat(store.list("bob")).hasSize(1);
            assertThat(store.unsubscribe("bob", endpoint)).isTrue();
            assertThat(store.list("bob")).isEmpty();
            assertThat(store.unsubscribe("bob", endpoint)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void recordsSuccessAndExpiresWhatNeverWorkedOrStoppedWorking(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            Instant t0 = clock.instant();
            StoredPushSubscription working = store.subscribe("alice", subscription("https://push.example/working"), null);
            StoredPushSubscription stale = store.subscribe("alice", subscription("https://push.example/stale"), null);
            store.subscribe("alice", subscription("https://push.example/never"), null);
            clock.advance(Duration.ofDays(5));
            StoredPushSubscription fresh = store.subscribe("alice", subscription("https://push.example/fresh"), null);
            store.recordSuccess(stale.id(), t0.plus(Duration.ofDays(1)));
            store.recordSuccess(working.id(), t0.plus(Duration.ofDays(4)));

            int expired = store.expire(t0.plus(Duration.ofDays(2)), t0.plus(Duration.ofDays(3)));

            assertThat(expired).isEqualTo(2);
            assertThat(store.list("alice")).extracting(StoredPushSubscription::id).containsExactly(working.id(), fresh.id());
            assertThat(store.find(working.id()).orElseThrow().lastSuccessAt()).isEqualTo(t0.plus(Duration.ofDays(4))
                    .truncatedTo(java.time.temporal.ChronoUnit.MICROS));
            assertThat(store.expire(null, null)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void keepsAtMostTheConfiguredNumberPerRecipientDroppingTheLeastRecentlyUsed(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 3);
            StoredPushSubscription used = store.subscribe("alice", subscription("https://push.example/1"), null);
            clock.advance(Duration.ofMinutes(1));
            StoredPushSubscription oldest = store.subscribe("alice", subscription("https://push.example/2"), null);
            clock.advance(Duration.ofMinutes(1));
            StoredPushSubscription third = store.subscribe("alice", subscription("https://push.example/3"), null);
            store.recordSuccess(used.id(), clock.instant());
            clock.advance(Duration.ofMinutes(1));

            StoredPushSubscription fourth = store.subscribe("alice", subscription("https://push.example/4"), null);

            assertThat(store.ids("alice")).containsExactlyInAnyOrder(used.id(), third.id(), fourth.id());
            assertThat(store.find(oldest.id())).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentSubscribesOfOneEndpointStoreOneRow(Kind kind) throws Exception {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            PushSubscription one = subscription("https://push.example/race");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CountDownLatch start = new CountDownLatch(1);
                Set<Long> ids = ConcurrentHashMap.newKeySet();
                List<Future<?>> done = new java.util.ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        ids.add(store.subscribe("alice", one, null).id());
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(store.list("alice")).hasSize(1);
                assertThat(ids).containsExactly(store.list("alice").get(0).id());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void rejectsBlankAndOverlongRecipientsAndCutsLongUserAgents(Kind kind) {
        try (PushTestDatabase db = PushTestDatabase.create(kind)) {
            PushSubscriptionStore store = store(db, 20);
            PushSubscription s = subscription("https://push.example/ua");

            assertThatThrownBy(() -> store.subscribe(" ", s, null)).isInstanceOf(InvalidRequestException.class)
                    .extracting("code").isEqualTo("invalid_recipient");
            assertThatThrownBy(() -> store.subscribe("x".repeat(256), s, null))
                    .isInstanceOf(InvalidRequestException.class);
            assertThat(store.subscribe("alice", s, "U".repeat(2000)).userAgent()).hasSize(512);
            assertThat(store.find(store.ids("alice").get(0)).orElseThrow().userAgent()).hasSize(512);
        }
    }
}

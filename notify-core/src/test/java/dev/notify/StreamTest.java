package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Real-time connections through {@link Notify#openStream}, on every supported database. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamTest {
    /**
     * Upper bound for anything the hub does asynchronously; passing tests take milliseconds.
     * Generous, so that a loaded machine does not fail a test.
     */
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify notify;
    private final List<RecordingSink> sinks = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void createDatabase() {
        db = TestDatabases.create(kind);
    }

    @AfterEach
    void tearDown() {
        sinks.forEach(RecordingSink::release);
        if (notify != null) {
            notify.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void start() {
        start(b -> b);
    }

    private void start(UnaryOperator<Notify.Builder> config) {
        notify = config.apply(db.notifyBuilder()).build();
    }

    private RecordingSink sink() {
        RecordingSink sink = new RecordingSink();
        sinks.add(sink);
        return sink;
    }

    private Notification send(String recipient, String title) {
        return notify.send(SendRequest.to(recipient).type("test").title(title).build()).first();
    }

    /** Polls briefly and often: most conditions hold within milliseconds. */
    private static ConditionFactory eventually() {
        return await().atMost(BOUND).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void liveNotificationReachesTheRecipientsConnection() {
        start();
        RecordingSink sink = sink();
        StreamConnection connection = notify.openStream("alice", sink, StreamOptions.live());

        Notification sent = send("alice", "Your order shipped");

        eventually().untilAsserted(() -> assertThat(sink.events).hasSize(1));
        StreamEvent event = sink.events.get(0);
        assertThat(event.kind()).isEqualTo(StreamEvent.Kind.NOTIFICATION);
        assertThat(event.recipient()).isEqualTo("alice");
        assertThat(event.seq()).isEqualTo(1);
        assertThat(event.notification()).isEqualTo(sent);
        assertThat(connection.lastDeliveredSeq()).isEqualTo(1);
        assertThat(connection.recipient()).isEqualTo("alice");
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void notificationSentRightAfterOpeningALiveStreamIsNeverLost() {
        start();
        // The hub learns where "live" starts asynchronously at first; a send racing with that
        // start must still be delivered. Many rounds make the race likely to show.
        for (int round = 0; round < 40; round++) {
            String recipient = "user-" + round;
            send(recipient, "before opening");
            RecordingSink sink = sink();
            notify.openStream(recipient, sink, StreamOptions.live());
            send(recipient, "right after opening");

            eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactly(2L));
        }
    }

    @Test
    void connectionReceivesOnlyItsOwnRecipientsEvents() {
        start();
        RecordingSink alice = sink();
        RecordingSink bob = sink();
        notify.openStream("alice", alice, StreamOptions.live());
        notify.openStream("bob", bob, StreamOptions.live());

        Notification forAlice = send("alice", "for alice");
        notify.inbox("alice").markRead(forAlice.id());
        Notification forBob = send("bob", "for bob");

        // Each connection's queue is FIFO and the events for alice were published first: had they
        // been routed to bob, he would have them before his own.
        eventually().untilAsserted(() -> assertThat(bob.events).hasSize(1));
        assertThat(bob.events.get(0).notification()).isEqualTo(forBob);
        eventually().untilAsserted(() -> assertThat(alice.kinds())
                .containsExactly(StreamEvent.Kind.NOTIFICATION, StreamEvent.Kind.READ));
        assertThat(alice.events).allSatisfy(e -> assertThat(e.recipient()).isEqualTo("alice"));
    }

    @Test
    void resumeReplaysMissedNotificationsInOrderThenLiveOnes() {
        start();
        for (int i = 1; i <= 5; i++) {
            send("alice", "n" + i);
        }
        RecordingSink sink = sink();

        StreamConnection connection = notify.openStream("alice", sink, StreamOptions.resumeAfter(2));
        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactly(3L, 4L, 5L));
        assertThat(sink.events.get(0).notification().title()).isEqualTo("n3");

        send("alice", "n6");
        send("alice", "n7");
        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactly(3L, 4L, 5L, 6L, 7L));
        assertThat(connection.lastDeliveredSeq()).isEqualTo(7);
        assertThat(sink.overlappingCalls).hasValue(0);
    }

    @Test
    void resumeFromZeroReplaysEverythingAcrossReplayPages() {
        start();
        int stored = 250; // more than one replay page
        for (int i = 1; i <= stored; i++) {
            send("alice", "n" + i);
        }
        RecordingSink sink = sink();

        notify.openStream("alice", sink, StreamOptions.resumeAfter(0));

        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactlyElementsOf(range(1, stored)));
        send("alice", "live");
        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactlyElementsOf(range(1, stored + 1)));
    }

    @Test
    void cursorBeyondTheEndReplaysNothingAndStillDeliversNewOnes() {
        start();
        send("alice", "n1");
        send("alice", "n2");
        RecordingSink sink = sink();

        notify.openStream("alice", sink, StreamOptions.resumeAfter(99));
        send("alice", "n3");

        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactly(3L));
    }

    @Test
    void deletedNotificationsAreSkippedOnReplay() {
        start();
        List<Notification> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            sent.add(send("alice", "n" + i));
        }
        notify.inbox("alice").delete(sent.get(2).id()); // seq 3
        RecordingSink sink = sink();

        notify.openStream("alice", sink, StreamOptions.resumeAfter(1));
        send("alice", "n6");

        // The delete is entry 6 of the log; the next notification is 7.
        eventually().untilAsserted(() -> assertThat(sink.seqs()).containsExactly(2L, 4L, 5L, 7L));
        assertThat(sink.kinds()).contains(StreamEvent.Kind.DELETED);
    }

    @Test
    void replayUnderConcurrentSendsDeliversEveryLaterSequenceExactlyOnceInOrder() throws Exception {
        start();
        for (int i = 1; i <= 20; i++) {
            send("alice", "before " + i);
        }
        int threads = 4;
        int perPhase = 30;
        int total = 20 + threads * perPhase * 2;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch opened = new CountDownLatch(1);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < perPhase; i++) {
                        send("alice", "t" + thread + " phase 1 #" + i);
                    }
                    // The second phase runs while the connections opened below replay.
                    opened.await();
                    for (int i = 0; i < perPhase; i++) {
                        send("alice", "t" + thread + " phase 2 #" + i);
                    }
                    return null;
                }));
            }

            // Open while the first phase is still sending.
            eventually().until(() -> notify.inbox("alice").unreadCount() >= 40);
            RecordingSink early = sink();
            StreamConnection earlyConnection = notify.openStream("alice", early, StreamOptions.resumeAfter(10));
            RecordingSink live = sink();
            notify.openStream("alice", live, StreamOptions.live());
            opened.countDown();
            RecordingSink late = sink();
            notify.openStream("alice", late, StreamOptions.resumeAfter(30));

            for (Future<?> f : senders) {
                f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(notify.inbox("alice").unreadCount()).isEqualTo(total);

            eventually().untilAsserted(() -> assertThat(early.seqs()).containsExactlyElementsOf(range(11, total)));
            eventually().untilAsserted(() -> assertThat(late.seqs()).containsExactlyElementsOf(range(31, total)));
            // A live connection starts somewhere in the middle, then misses nothing.
            eventually().untilAsserted(() -> {
                List<Long> seqs = live.seqs();
                assertThat(seqs).isNotEmpty();
                assertThat(seqs).containsExactlyElementsOf(range(seqs.get(0), total));
            });
            assertThat(earlyConnection.lastDeliveredSeq()).isEqualTo(total);
            for (RecordingSink s : List.of(early, late, live)) {
                assertThat(s.overlappingCalls).hasValue(0);
                assertThat(s.closeReasons).isEmpty();
            }
        } finally {
            opened.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void heartbeatsArriveAtTheIntervalAskedForByTheConnection() {
        TestClock clock = new TestClock(Instant.parse("2026-05-01T08:00:00Z"));
        start(b -> b.clock(clock));
        RecordingSink sink = sink();

        notify.openStream("alice", sink, StreamOptions.live().withHeartbeat(Duration.ofMillis(100)));

        eventually().untilAsserted(() -> assertThat(sink.heartbeats).hasSizeGreaterThanOrEqualTo(3));
        assertThat(sink.heartbeats).containsOnly(clock.instant());
        assertThat(sink.events).isEmpty();
    }

    @Test
    void heartbeatConfiguredOnTheBuilderAppliesToConnectionsWithoutTheirOwn() {
        start(b -> b.heartbeat(Duration.ofMillis(100)));
        RecordingSink sink = sink();

        notify.openStream("alice", sink, StreamOptions.resumeAfter(0));

        eventually().untilAsserted(() -> assertThat(sink.heartbeats).hasSizeGreaterThanOrEqualTo(3));
    }

    @Test
    void busyConnectionIsNotSentRedundantHeartbeatsAndGetsThemAgainOnceQuiet() throws Exception {
        start();
        // Forty times the gap between alice's notifications: only a machine stalled for whole
        // seconds could leave her connection idle for an interval.
        Duration interval = Duration.ofSeconds(2);
        RecordingSink busy = sink();
        RecordingSink idle = sink();
        notify.openStream("alice", busy, StreamOptions.live().withHeartbeat(interval));
        notify.openStream("bob", idle, StreamOptions.live().withHeartbeat(interval));
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sent = new AtomicInteger();
        try {
            // A notification every 50 ms: alice's connection never goes an interval without a write.
            sender.scheduleWithFixedDelay(() -> send("alice", "n" + sent.incrementAndGet()), 0, 50, TimeUnit.MILLISECONDS);
            // bob's idle connection, same interval, is the clock: two heartbeats take two intervals.
            eventually().untilAsserted(() -> assertThat(idle.heartbeats).hasSizeGreaterThanOrEqualTo(2));
        } finally {
            sender.shutdownNow();
            assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(busy.events).hasSizeGreaterThan(2);
        assertThat(busy.heartbeats).isEmpty();

        eventually().untilAsserted(() -> assertThat(busy.heartbeats).isNotEmpty());
        assertThat(busy.overlappingCalls).hasValue(0);
    }

    @Test
    void closedConnectionGetsNoMoreHeartbeats() {
        start();
        Duration interval = Duration.ofMillis(100);
        RecordingSink closing = sink();
        RecordingSink reference = sink();
        StreamConnection connection = notify.openStream("alice", closing, StreamOptions.live().withHeartbeat(interval));
        notify.openStream("bob", reference, StreamOptions.live().withHeartbeat(interval));
        eventually().untilAsserted(() -> assertThat(closing.heartbeats).isNotEmpty());

        connection.close();
        int atClose = closing.heartbeats.size();
        int referenceAtClose = reference.heartbeats.size();

        // Five more intervals on the open connection: the closed one would have had five too.
        eventually().untilAsserted(() -> assertThat(reference.heartbeats).hasSizeGreaterThanOrEqualTo(referenceAtClose + 5));
        // At most one that was already being written when close() ran.
        assertThat(closing.heartbeats).hasSizeLessThanOrEqualTo(atClose + 1);
    }

    @Test
    void heartbeatBlockedOnOneConnectionDoesNotHoldUpTheOthersDueWithIt() {
        start();
        Duration interval = Duration.ofMillis(200);
        RecordingSink stuck = sink().blockWrites();
        notify.openStream("alice", stuck, StreamOptions.live().withHeartbeat(interval));
        // Opened right after it, so mostly due in the same tick (and behind it in that tick's list).
        List<RecordingSink> others = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RecordingSink other = sink();
            others.add(other);
            notify.openStream("user" + i, other, StreamOptions.live().withHeartbeat(interval));
        }

        eventually().until(stuck::isBlocked);
        eventually().untilAsserted(() -> assertThat(others)
                .allSatisfy(other -> assertThat(other.heartbeats).hasSizeGreaterThanOrEqualTo(3)));
        assertThat(stuck.isBlocked()).isTrue();
    }

    @Test
    void connectionsDueInTheSameTickShareOneHeartbeatAndItsEncoding() {
        start();
        int connections = 200;
        Set<StreamHeartbeat> beats = ConcurrentHashMap.newKeySet();
        AtomicInteger encodings = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        Function<Instant, String> encoder = now -> {
            encodings.incrementAndGet();
            return "beat " + now;
        };
        List<StreamConnection> opened = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            StreamSink sink = new StreamSink() {
                @Override
                public void event(StreamEvent event) {
                }

                @Override
                public void heartbeat(Instant now) {
                    throw new AssertionError("the hub writes heartbeats through heartbeat(StreamHeartbeat)");
                }

                @Override
                public void heartbeat(StreamHeartbeat beat) {
                    beats.add(beat);
                    assertThat(beat.encoded(encoder)).isEqualTo("beat " + beat.at());
                    written.incrementAndGet();
                }

                @Override
                public void close(String reason) {
                }
            };
            opened.add(notify.openStream("user" + i, sink, StreamOptions.live().withHeartbeat(Duration.ofMillis(200))));
        }

        eventually().untilAsserted(() -> assertThat(written.get()).isGreaterThanOrEqualTo(2 * connections));

        // Opened within a few ticks of each other, so their heartbeats fall in a few ticks too.
        assertThat(beats.size()).isLessThan(written.get() / 4);
        assertThat(encodings.get()).isLessThanOrEqualTo(beats.size());
        assertThat(opened).allMatch(StreamConnection::isOpen);
    }

    @Test
    void slowConsumerIsDisconnectedWhileOtherConnectionsKeepReceivingPromptly() {
        int capacity = 4;
        start(b -> b.streamQueueCapacity(capacity));
        RecordingSink slow = sink().blockWrites();
        RecordingSink fast = sink();
        StreamConnection slowConnection = notify.openStream("alice", slow, StreamOptions.live());
        StreamConnection fastConnection = notify.openStream("alice", fast, StreamOptions.live());

        send("alice", "n1");
        eventually().until(slow::isBlocked);
        // One event is stuck in the slow socket; its queue then fills and overflows. Each send
        // waits until the fast client has it, so only the slow one's queue grows.
        for (int i = 2; i <= capacity + 3; i++) {
            send("alice", "n" + i);
            long expected = i;
            eventually().untilAsserted(() -> assertThat(fast.seqs()).contains(expected));
        }

        eventually().untilAsserted(() -> assertThat(slowConnection.isOpen()).isFalse());
        assertThat(slow.closeReasons).singleElement().asString().contains("slow consumer");
        assertThat(fast.closeReasons).as("fast connection closed").isEmpty();
        assertThat(notify.streams("alice")).containsExactly(fastConnection);
        assertThat(notify.openStreamCount()).isEqualTo(1);

        // The slow client is still stuck, yet the other one gets everything at once.
        send("alice", "after the slow one was dropped");
        eventually().untilAsserted(() ->
                assertThat(fast.seqs()).containsExactlyElementsOf(range(1, capacity + 4)));
        assertThat(slow.isBlocked()).isTrue();
        assertThat(slow.events).isEmpty();
        assertThat(fast.closeReasons).isEmpty();
    }

    @Test
    void readAllReadAndDeletedChangesAreStreamed() {
        start();
        RecordingSink sink = sink();
        notify.openStream("alice", sink, StreamOptions.live());
        Notification n1 = send("alice", "n1");
        Notification n2 = send("alice", "n2");
        send("alice", "n3");
        Inbox inbox = notify.inbox("alice");

        inbox.markRead(n1.id());
        inbox.markRead(n1.id()); // already read: no second event
        assertThat(inbox.markAllRead()).isEqualTo(2);
        assertThat(inbox.markAllRead()).isZero(); // nothing changed: no event
        inbox.delete(n2.id());
        send("alice", "n4");

        eventually().untilAsserted(() -> assertThat(sink.kinds()).containsExactly(
                StreamEvent.Kind.NOTIFICATION, StreamEvent.Kind.NOTIFICATION, StreamEvent.Kind.NOTIFICATION,
                StreamEvent.Kind.READ, StreamEvent.Kind.ALL_READ, StreamEvent.Kind.DELETED,
                StreamEvent.Kind.NOTIFICATION));
        StreamEvent read = sink.events.get(3);
        assertThat(read.notificationId()).isEqualTo(n1.id());
        StreamEvent allRead = sink.events.get(4);
        assertThat(allRead.fields()).containsEntry("up_to_seq", 3L);
        assertThat(allRead.seq()).isEqualTo(5); // every change is an entry in the recipient's log
        assertThat(allRead.count()).isEqualTo(2);
        StreamEvent deleted = sink.events.get(5);
        assertThat(deleted.notificationId()).isEqualTo(n2.id());
        assertThat(sink.events).allSatisfy(e -> assertThat(e.recipient()).isEqualTo("alice"));
        assertThat(sink.seqs()).containsExactly(1L, 2L, 3L, 7L);
    }

    @Test
    void closeStreamsClosesEveryConnectionOfTheRecipientOnce() {
        start();
        RecordingSink a1 = sink();
        RecordingSink a2 = sink();
        RecordingSink b1 = sink();
        StreamConnection first = notify.openStream("alice", a1, StreamOptions.live());
        StreamConnection second = notify.openStream("alice", a2, StreamOptions.live());
        StreamConnection bobs = notify.openStream("bob", b1, StreamOptions.live());
        assertThat(notify.streams("alice")).containsExactlyInAnyOrder(first, second);
        assertThat(first.id()).isNotEqualTo(second.id());
        assertThat(notify.openStreamCount()).isEqualTo(3);

        assertThat(notify.closeStreams("alice", "logged out")).isEqualTo(2);

        assertThat(a1.closeReasons).containsExactly("logged out");
        assertThat(a2.closeReasons).containsExactly("logged out");
        assertThat(first.isOpen()).isFalse();
        assertThat(notify.streams("alice")).isEmpty();
        assertThat(notify.streams("bob")).containsExactly(bobs);
        assertThat(notify.openStreamCount()).isEqualTo(1);

        // Closing again, either way, does not call the sink again.
        assertThat(notify.closeStreams("alice", "again")).isZero();
        first.close();
        assertThat(a1.closeReasons).containsExactly("logged out");
        assertThat(notify.openStreamCount()).isEqualTo(1);

        send("alice", "nobody listening");
        send("bob", "bob still listening");
        eventually().untilAsserted(() -> assertThat(b1.events).hasSize(1));
        assertThat(a1.events).isEmpty();
        assertThat(a2.events).isEmpty();
        assertThat(b1.closeReasons).isEmpty();
    }

    @Test
    void sinkThrowingIOExceptionOnWriteIsClosedAndRemoved() {
        start();
        RecordingSink broken = sink().failEvents();
        RecordingSink healthy = sink();
        StreamConnection connection = notify.openStream("alice", broken, StreamOptions.live());
        StreamConnection other = notify.openStream("alice", healthy, StreamOptions.live());

        send("alice", "n1");

        eventually().untilAsserted(() -> assertThat(connection.isOpen()).isFalse());
        assertThat(notify.streams("alice")).containsExactly(other);
        assertThat(broken.closeReasons).hasSize(1);
        eventually().untilAsserted(() -> assertThat(healthy.seqs()).containsExactly(1L));

        send("alice", "n2");
        eventually().untilAsserted(() -> assertThat(healthy.seqs()).containsExactly(1L, 2L));
        assertThat(broken.closeReasons).hasSize(1);
    }

    @Test
    void sinkThrowingIOExceptionOnHeartbeatIsClosedAndRemoved() {
        start();
        RecordingSink broken = sink().failHeartbeats();
        StreamConnection connection = notify.openStream("alice", broken,
                StreamOptions.live().withHeartbeat(Duration.ofMillis(50)));

        eventually().untilAsserted(() -> assertThat(connection.isOpen()).isFalse());
        assertThat(notify.streams("alice")).isEmpty();
        assertThat(notify.openStreamCount()).isZero();
        assertThat(broken.closeReasons).hasSize(1);
    }

    @Test
    void closingNotifyClosesOpenStreams() {
        start();
        RecordingSink sink = sink();
        StreamConnection connection = notify.openStream("alice", sink, StreamOptions.live());

        notify.close();
        Notify closed = notify;
        notify = null;

        assertThat(sink.closeReasons).hasSize(1);
        assertThat(connection.isOpen()).isFalse();
        assertThat(closed.openStreamCount()).isZero();
    }

    @Test
    void sinkLearnsWhereTheStreamStartsBeforeAnythingIsWritten() {
        start();
        send("alice", "one");
        send("alice", "two");
        RecordingSink live = sink();
        StreamConnection c = notify.openStream("alice", live, StreamOptions.live());
        RecordingSink resumed = sink();
        notify.openStream("alice", resumed, StreamOptions.resumeAfter(1));
        RecordingSink beyond = sink();
        notify.openStream("alice", beyond, StreamOptions.resumeAfter(99));

        assertThat(live.starts).singleElement().satisfies(s -> assertThat(s).containsExactly(2, 0));
        assertThat(c.startedAfterSeq()).isEqualTo(2);
        assertThat(resumed.starts).singleElement().satisfies(s -> assertThat(s).containsExactly(1, 0));
        // A cursor beyond what exists starts at the end, as the stream does.
        assertThat(beyond.starts).singleElement().satisfies(s -> assertThat(s).containsExactly(2, 0));
        eventually().untilAsserted(() -> assertThat(resumed.events).extracting(StreamEvent::seq).containsExactly(2L));
    }

    @Test
    void recipientOverItsCapIsRefusedAndItsOpenStreamsStay() {
        start(b -> b.maxStreamsPerRecipient(2));
        StreamConnection first = notify.openStream("alice", sink(), StreamOptions.live());
        StreamConnection second = notify.openStream("alice", sink(), StreamOptions.live());
        RecordingSink refused = sink();

        assertThatThrownBy(() -> notify.openStream("alice", refused, StreamOptions.live()))
                .isInstanceOfSatisfying(StreamLimitException.class, e -> {
                    assertThat(e.limit()).isEqualTo(StreamLimitException.Limit.PER_RECIPIENT);
                    assertThat(e.max()).isEqualTo(2);
                    assertThat(e.code()).isEqualTo("too_many_streams");
                });
        assertThatThrownBy(() -> notify.checkStreamCapacity("alice")).isInstanceOf(StreamLimitException.class);
        assertThat(refused.closeReasons).hasSize(1);
        assertThat(refused.starts).isEmpty();
        assertThat(first.isOpen()).isTrue();
        assertThat(second.isOpen()).isTrue();
        assertThat(notify.streams("alice")).hasSize(2);
        assertThat(notify.openStreamCount()).isEqualTo(2);
        // Another recipient is not affected, and a closed stream frees its slot.
        notify.openStream("bob", sink(), StreamOptions.live());
        first.close();
        notify.checkStreamCapacity("alice");
        assertThat(notify.openStream("alice", sink(), StreamOptions.live()).isOpen()).isTrue();
    }

    @Test
    void nodeOverItsCapRefusesEveryoneUntilAStreamCloses() {
        start(b -> b.maxOpenStreams(3));
        List<StreamConnection> open = new ArrayList<>();
        for (String user : List.of("alice", "bob", "carol")) {
            open.add(notify.openStream(user, sink(), StreamOptions.live()));
        }
        assertThatThrownBy(() -> notify.openStream("dave", sink(), StreamOptions.live()))
                .isInstanceOfSatisfying(StreamLimitException.class, e -> {
                    assertThat(e.limit()).isEqualTo(StreamLimitException.Limit.TOTAL);
                    assertThat(e.code()).isEqualTo("streams_unavailable");
                });
        assertThat(notify.openStreamCount()).isEqualTo(3);
        open.get(0).close();
        assertThat(notify.openStream("dave", sink(), StreamOptions.live()).isOpen()).isTrue();
        assertThat(notify.openStreamCount()).isEqualTo(3);
    }

    @Test
    void concurrentOpensNeverOvershootTheCaps() throws Exception {
        start(b -> b.maxStreamsPerRecipient(5).maxOpenStreams(8));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> attempts = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String user = i % 2 == 0 ? "alice" : "bob";
                attempts.add(pool.submit(() -> {
                    try {
                        notify.openStream(user, sink(), StreamOptions.live());
                        return true;
                    } catch (StreamLimitException e) {
                        return false;
                    }
                }));
            }
            int opened = 0;
            for (Future<Boolean> f : attempts) {
                opened += f.get() ? 1 : 0;
            }
            assertThat(opened).isEqualTo(8);
            assertThat(notify.openStreamCount()).isEqualTo(8);
            assertThat(notify.streams("alice")).hasSizeLessThanOrEqualTo(5);
            assertThat(notify.streams("bob")).hasSizeLessThanOrEqualTo(5);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void streamIsClosedAtItsMaximumDuration() {
        start(b -> b.maxStreamDuration(Duration.ofMillis(200)));
        RecordingSink sink = sink();
        StreamConnection c = notify.openStream("alice", sink, StreamOptions.live());

        eventually().untilAsserted(() -> assertThat(c.isOpen()).isFalse());
        assertThat(sink.closeReasons).singleElement().asString().startsWith(StreamSink.MAX_DURATION);
        assertThat(notify.openStreamCount()).isZero();
    }
}

package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.notify.outbox.OutboxSettings;
import dev.notify.testing.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The inbox model beyond read and delete: seen, archive, snooze, actions, replace by key, expiry,
 * bulk operations and filters; each change's stream event and its replay; on every database.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class InboxModelTest {
    private static final Instant START = Instant.parse("2026-03-01T10:15:30Z");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private Notify notify;
    private final List<Notify> others = new ArrayList<>();
    private final List<ActionListener.Performed> performed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        clock = new TestClock(START);
        notify = node();
    }

    private Notify node() {
        return db.notifyBuilder().clock(clock).onAction(performed::add)
                .outbox(OutboxSettings.ofDefaults().withPollInterval(Duration.ofMillis(200))).build();
    }

    @AfterEach
    void tearDown() {
        others.forEach(Notify::close);
        if (notify != null) {
            notify.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private Notification send(String recipient, String type, String title) {
        return notify.send(SendRequest.to(recipient).type(type).title(title).build()).first();
    }

    private static List<String> titles(Page page) {
        return page.items().stream().map(Notification::title).toList();
    }

    @Test
    void seenIsSeparateFromReadAndMarkSeenUpToASequence() {
        Inbox inbox = notify.inbox("alice");
        Notification a = send("alice", "t", "a");
        Notification b = send("alice", "t", "b");
        send("alice", "t", "c");
        assertThat(inbox.unseenCount()).isEqualTo(3);

        assertThat(inbox.markSeen(InboxSelection.upTo(b.seq()))).isEqualTo(2);

        assertThat(inbox.unseenCount()).isEqualTo(1);
        assertThat(inbox.unreadCount()).isEqualTo(3);
        assertThat(inbox.get(a.id()).seenAt()).isEqualTo(START);
        assertThat(inbox.get(a.id()).readAt()).isNull();
        assertThat(titles(inbox.list(InboxQuery.firstPage().withUnseenOnly(true)))).containsExactly("c");
        assertThat(inbox.markSeen(InboxSelection.upTo(b.seq()))).isZero(); // already seen: nothing changes

        Notification c = inbox.list(InboxQuery.firstPage()).items().get(0);
        Notification read = inbox.markRead(c.id());
        assertThat(read.seen()).isTrue(); // reading it shows it
        assertThat(inbox.unseenCount()).isZero();
        assertThat(inbox.unreadCount()).isEqualTo(2);
    }

    @Test
    void archivedNotificationsLeaveTheDefaultListAndAreListedOnRequest() {
        Inbox inbox = notify.inbox("alice");
        Notification a = send("alice", "t", "a");
        Notification b = send("alice", "t", "b");
        send("alice", "t", "c");

        assertThat(inbox.archive(a.id()).archived()).isTrue();
        assertThat(titles(inbox.list())).containsExactly("c", "b");
        assertThat(titles(inbox.list(InboxQuery.firstPage().withArchived(true)))).containsExactly("a");
        assertThat(inbox.unreadCount()).isEqualTo(2);
        assertThat(inbox.unseenCount()).isEqualTo(2);

        inbox.markRead(b.id());
        assertThat(inbox.archiveAllRead()).isEqualTo(1);
        assertThat(titles(inbox.list())).containsExactly("c");

        assertThat(inbox.unarchive(InboxSelection.all())).isEqualTo(2);
        assertThat(titles(inbox.list())).containsExactly("c", "b", "a");
        assertThat(inbox.unarchive(a.id()).archived()).isFalse();
    }

    @Test
    void bulkOperationsSelectByIdsTypeOrSequenceAndListFiltersCombine() {
        Inbox inbox = notify.inbox("alice");
        Notification a = send("alice", "comment", "a");
        Notification b = send("alice", "comment", "b");
        Notification c = send("alice", "mention", "c");
        notify.send(SendRequest.to("alice").type("mention").title("d").priority(Priority.URGENT).build());

        assertThat(inbox.markRead(InboxSelection.ofType("comment"))).isEqualTo(2);
        assertThat(titles(inbox.list(InboxQuery.firstPage().withUnreadOnly(true)))).containsExactly("d", "c");
        assertThat(inbox.archive(InboxSelection.before(c.seq() + 1))).isEqualTo(3);
        assertThat(titles(inbox.list())).containsExactly("d");
        assertThat(inbox.unarchive(InboxSelection.ids(List.of(a.id(), b.id(), 999_999L)))).isEqualTo(2);
        assertThat(titles(inbox.list(InboxQuery.firstPage().withType("comment")))).containsExactly("b", "a");
        assertThat(titles(inbox.list(InboxQuery.firstPage().withPriority(Priority.URGENT)))).containsExactly("d");
        assertThat(titles(inbox.list(InboxQuery.firstPage().withArchived(true).withType("mention"))))
                .containsExactly("c");

        assertThatThrownBy(() -> new InboxSelection(List.of(1L), "comment", 0))
                .isInstanceOf(InvalidRequestException.class);
        // Another recipient's ids change nothing.
        assertThat(notify.inbox("bob").archive(InboxSelection.ids(List.of(a.id())))).isZero();
        assertThatThrownBy(() -> notify.inbox("bob").archive(a.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aSendWithAKeyReplacesTheEarlierNotificationInPlace() {
        Inbox inbox = notify.inbox("alice");
        Notification first = notify.send(SendRequest.to("alice").type("comments").title("1 new comment")
                .key("post-7-comments").build()).first();
        send("alice", "t", "other");
        inbox.markRead(first.id());
        inbox.archive(first.id());

        Notification second = notify.send(SendRequest.to("alice").type("comments").title("3 new comments")
                .key("post-7-comments").build()).first();

        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.seq()).isGreaterThan(first.seq());
        assertThat(second.updatedAt()).isEqualTo(START);
        Notification stored = inbox.get(first.id());
        assertThat(stored.title()).isEqualTo("3 new comments");
        assertThat(stored.read()).isFalse();
        assertThat(stored.seen()).isFalse();
        assertThat(stored.archived()).isFalse();
        assertThat(titles(inbox.list())).containsExactly("3 new comments", "other"); // moved to the top
        assertThat(inbox.unseenCount()).isEqualTo(2);
        // Per recipient: bob's notification with the same key is his own.
        Notification bobs = notify.send(SendRequest.to("bob").title("x").key("post-7-comments").build()).first();
        assertThat(bobs.id()).isNotEqualTo(first.id());

        inbox.deleteByKey("post-7-comments");
        assertThat(titles(inbox.list())).containsExactly("other");
        assertThatThrownBy(() -> inbox.deleteByKey("post-7-comments")).isInstanceOf(NotFoundException.class);
        assertThat(notify.inbox("bob").get(bobs.id()).title()).isEqualTo("x");
    }

    @Test
    void expiredNotificationsAreHiddenThenPurgedByHousekeeping() {
        Inbox inbox = notify.inbox("alice");
        notify.send(SendRequest.to("alice").title("sale ends").expiresAt(START.plus(Duration.ofHours(1))).build());
        send("alice", "t", "stays");
        assertThat(titles(inbox.list())).containsExactly("stays", "sale ends");

        clock.advance(Duration.ofHours(1));

        assertThat(titles(inbox.list())).containsExactly("stays");
        assertThat(inbox.unseenCount()).isEqualTo(1);
        assertThat(notify.housekeep().notificationsDeleted()).isEqualTo(1);
        assertThat(rows("SELECT COUNT(*) FROM notify_notification")).isEqualTo(1);
    }

    @Test
    void everyChangeIsStreamedAndReplayedInOrderAfterAReconnect() throws Exception {
        Inbox inbox = notify.inbox("alice");
        RecordingSink live = new RecordingSink();
        notify.openStream("alice", live, StreamOptions.live());
        Notification a = notify.send(SendRequest.to("alice").title("a").key("k")
                .action(NotificationAction.callback("approve", "Approve", Map.of("form", 9))).build()).first();
        Notification b = send("alice", "t", "b");
        inbox.markSeen(InboxSelection.upTo(b.seq()));
        inbox.markRead(b.id());
        inbox.archive(b.id());
        inbox.unarchive(b.id());
        inbox.snooze(b.id(), START.plus(Duration.ofHours(2)));
        inbox.unsnooze(b.id());
        notify.send(SendRequest.to("alice").title("a, again").key("k")
                .action(NotificationAction.callback("approve", "Approve", Map.of("form", 9))).build());
        inbox.performAction(a.id(), "approve");
        inbox.markAllRead();
        inbox.delete(b.id());
        List<String> expected = List.of("notification", "notification", "notifications_seen", "notification_read",
                "notifications_archived", "notifications_unarchived", "notification_snoozed", "notification_unsnoozed",
                "notification_updated", "notification_action", "notification_deleted");
        // markAllRead found nothing unread (the action read "a", "b" was read): no event, no sequence number.
        await().atMost(WAIT).until(() -> live.events.size() >= expected.size());
        assertThat(live.events).extracting(e -> e.kind().wireName()).containsExactlyElementsOf(expected);
        List<Long> seqs = live.events.stream().map(StreamEvent::seq).toList();
        assertThat(seqs).isEqualTo(java.util.stream.LongStream.rangeClosed(1, expected.size()).boxed().toList());

        // A client that saw the first two reconnects: it gets the rest, in order, from the store.
        RecordingSink resumed = new RecordingSink();
        notify.openStream("alice", resumed, StreamOptions.resumeAfter(2));
        // Replay shows each notification as it is now: "a" (seq 1) moved to seq 9, so it is not before it.
        await().atMost(WAIT).until(() -> resumed.events.size() >= expected.size() - 2);
        assertThat(resumed.events).extracting(e -> e.kind().wireName())
                .containsExactlyElementsOf(expected.subList(2, expected.size()));
        assertThat(resumed.events).extracting(StreamEvent::seq).isEqualTo(seqs.subList(2, seqs.size()));
        assertThat(resumed.events.get(6).notification().title()).isEqualTo("a, again");
        assertThat(resumed.events.get(7).fields()).containsEntry("action_id", "approve");
        assertThat(((Number) resumed.events.get(7).fields().get("notification_id")).longValue()).isEqualTo(a.id());
    }

    @Test
    void aSnoozedNotificationComesBackUnseenWhenDue() {
        Inbox inbox = notify.inbox("alice");
        Notification n = send("alice", "t", "later");
        inbox.markSeen(InboxSelection.all());
        RecordingSink live = new RecordingSink();
        notify.openStream("alice", live, StreamOptions.live());

        inbox.snooze(n.id(), START.plus(Duration.ofMinutes(30)));
        assertThat(inbox.list().items()).isEmpty();
        assertThat(titles(inbox.list(InboxQuery.firstPage().withSnoozed(true)))).containsExactly("later");
        assertThatThrownBy(() -> inbox.snooze(n.id(), START)).isInstanceOf(InvalidRequestException.class);

        clock.advance(Duration.ofMinutes(30));

        await().atMost(WAIT).until(() -> inbox.unseenCount() == 1);
        assertThat(titles(inbox.list())).containsExactly("later");
        await().atMost(WAIT).until(() -> live.events.stream()
                .anyMatch(e -> e.kind() == StreamEvent.Kind.UNSNOOZED));
        assertThat(rows("SELECT COUNT(*) FROM notify_inbox_change WHERE kind = 'notification_unsnoozed'")).isEqualTo(1);
    }

    @Test
    void snoozesComeBackExactlyOnceOnTwoNodesAndAfterARestart() {
        Notify second = node();
        others.add(second);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Notification n = send("u" + (i % 4), "t", "n" + i);
            notify.inbox(n.recipient()).snooze(n.id(), START.plus(Duration.ofMinutes(10)));
            ids.add(n.id());
        }
        clock.advance(Duration.ofMinutes(10)); // both nodes share the clock: both find all 20 due

        await().atMost(WAIT).until(() -> rows("SELECT COUNT(*) FROM notify_notification"
                + " WHERE snoozed_until IS NOT NULL") == 0);
        assertThat(rows("SELECT COUNT(*) FROM notify_inbox_change WHERE kind = 'notification_unsnoozed'"))
                .isEqualTo(20);
        assertThat(rows("SELECT COUNT(DISTINCT notification_id) FROM notify_inbox_change"
                + " WHERE kind = 'notification_unsnoozed'")).isEqualTo(20);

        // Snoozed, then every node stops; a node started after the snooze came due brings it back once.
        Notification late = send("u0", "t", "late");
        notify.inbox("u0").snooze(late.id(), clock.instant().plus(Duration.ofMinutes(5)));
        second.close();
        others.clear();
        notify.close();
        clock.advance(Duration.ofMinutes(6));
        notify = node();
        Notify again = node();
        others.add(again);
        await().atMost(WAIT).until(() -> notify.inbox("u0").unseenCount() == 6);
        assertThat(rows("SELECT COUNT(*) FROM notify_inbox_change WHERE kind = 'notification_unsnoozed'"
                + " AND notification_id = " + late.id())).isEqualTo(1);
    }

    @Test
    void aCallbackActionPerformedTwiceConcurrentlyIsRecordedOnce() throws Exception {
        Inbox inbox = notify.inbox("alice");
        Notification n = notify.send(SendRequest.to("alice").title("Approve the form?")
                .action(NotificationAction.callback("approve", "Approve", Map.of("form", 9))
                        .withStyle(NotificationAction.Style.PRIMARY))
                .action(NotificationAction.callback("reject", "Reject", Map.of("form", 9))
                        .withStyle(NotificationAction.Style.DANGER))
                .action(NotificationAction.link("open", "Open", "/forms/9")).build()).first();
        RecordingSink live = new RecordingSink();
        notify.openStream("alice", live, StreamOptions.live());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try {
            Callable<ActionListener.Performed> perform = () -> {
                go.await();
                return inbox.performAction(n.id(), "approve");
            };
            Future<ActionListener.Performed> one = pool.submit(perform);
            Future<ActionListener.Performed> two = pool.submit(perform);
            go.countDown();
            assertThat(List.of(one.get().first(), two.get().first())).containsExactlyInAnyOrder(true, false);
            assertThat(one.get().performedAt()).isEqualTo(two.get().performedAt());
        } finally {
            pool.shutdownNow();
        }
        assertThat(performed).hasSize(1);
        assertThat(performed.get(0).action().payload()).containsEntry("form", 9);
        assertThat(inbox.get(n.id()).read()).isTrue();
        assertThat(rows("SELECT COUNT(*) FROM notify_action_performed")).isEqualTo(1);
        await().atMost(WAIT).until(() -> !live.events.isEmpty());
        assertThat(live.events).extracting(StreamEvent::kind).containsExactly(StreamEvent.Kind.ACTION);

        assertThatThrownBy(() -> inbox.performAction(n.id(), "open")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> inbox.performAction(n.id(), "nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> notify.inbox("bob").performAction(n.id(), "reject"))
                .isInstanceOf(NotFoundException.class);
        assertThat(performed).hasSize(1);
    }

    @Test
    void actionsAreValidated() {
        NotificationAction ok = NotificationAction.callback(null, "Go", Map.of());
        assertThatThrownBy(() -> SendRequest.to("a").title("t").action(ok).action(ok).action(ok).action(ok).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("at most 3");
        assertThatThrownBy(() -> NotificationAction.link("x", "Open", null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("url is required");
        assertThatThrownBy(() -> new NotificationAction("a b", "Go", NotificationAction.Kind.CALLBACK, null, null, null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("id must be");
        assertThatThrownBy(() -> SendRequest.to("a").title("t").action(NotificationAction.callback("x", "A", null))
                .action(NotificationAction.callback("x", "B", null)).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("distinct");
        Notification n = notify.send(SendRequest.to("a").title("t").action(ok).action(ok.withStyle(null)).build())
                .first();
        assertThat(notify.inbox("a").get(n.id()).actions()).extracting(NotificationAction::id).containsExactly("1", "2");
    }

    @Test
    void aTemplatesActionsAreRenderedForEachSendAndItsCategoryIsAFilter() {
        var templates = dev.notify.template.TemplateRegistry.builder()
                .template(dev.notify.template.Template.builder("expense_approval").category("approvals")
                        .locale(java.util.Locale.ENGLISH, dev.notify.template.Template.Parts.of("Approve {{id}}?", ""))
                        .action(NotificationAction.callback("approve", "Approve {{amount}}", Map.of("report", "{{id}}")))
                        .action(NotificationAction.link("open", "Open", "/expenses/{{id}}"))
                        .build())
                .build();
        Notify withTemplates = db.notifyBuilder().clock(clock).templates(templates).build();
        others.add(withTemplates);

        Notification n = withTemplates.send(SendRequest.to("alice").template("expense_approval",
                Map.of("id", 12, "amount", "EUR 40")).build()).first();
        send("alice", "t", "other");

        Notification stored = withTemplates.inbox("alice").get(n.id());
        assertThat(stored.actions()).extracting(NotificationAction::label).containsExactly("Approve EUR 40", "Open");
        assertThat(stored.action("approve").payload()).containsEntry("report", "12");
        assertThat(stored.action("open").url()).isEqualTo("/expenses/12");
        assertThat(stored.category()).isEqualTo("approvals");
        assertThat(titles(withTemplates.inbox("alice").list(InboxQuery.firstPage().withCategory("approvals"))))
                .containsExactly("Approve 12?");
    }

    @Test
    void fiftyConcurrentSendsWithOneKeyLeaveOneRowAndAGapFreeStream() throws Exception {
        RecordingSink live = new RecordingSink();
        notify.openStream("alice", live, StreamOptions.live());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Notification>> sends = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                String title = "version " + i;
                sends.add(pool.submit(() -> {
                    go.await();
                    return notify.send(SendRequest.to("alice").title(title).key("build-status").build()).first();
                }));
            }
            go.countDown();
            Notification last = null;
            for (Future<Notification> f : sends) {
                Notification n = f.get();
                if (last == null || n.seq() > last.seq()) {
                    last = n;
                }
            }
            assertThat(rows("SELECT COUNT(*) FROM notify_notification")).isEqualTo(1);
            Notification stored = notify.inbox("alice").list().items().get(0);
            assertThat(stored.seq()).isEqualTo(50);
            assertThat(stored.title()).isEqualTo(last.title());
        } finally {
            pool.shutdownNow();
        }
        // The stream never goes back and ends with the last version. Updates published out of commit
        // order make the stream read the store, which holds only the latest version: versions in
        // between may then be skipped, never shown out of order.
        await().atMost(WAIT).until(() -> !live.events.isEmpty() && live.events.get(live.events.size() - 1).seq() == 50);
        List<Long> streamed = live.events.stream().map(StreamEvent::seq).toList();
        assertThat(streamed).isSorted().doesNotHaveDuplicates();
        assertThat(live.events.get(live.events.size() - 1).notification().title()).isEqualTo(
                notify.inbox("alice").list().items().get(0).title());
        assertThat(live.events.subList(1, live.events.size())).extracting(StreamEvent::kind)
                .containsOnly(StreamEvent.Kind.UPDATED);
        // Replayed from the start, the store gives the one row as it is now.
        RecordingSink replay = new RecordingSink();
        notify.openStream("alice", replay, StreamOptions.resumeAfter(0));
        await().atMost(WAIT).until(() -> !replay.events.isEmpty());
        assertThat(replay.events).extracting(StreamEvent::seq).containsExactly(50L);
    }

    private long rows(String sql) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

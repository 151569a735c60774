package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The inbox through the public API, on every supported database. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class InboxTest {
    private static final Instant START = Instant.parse("2026-03-01T10:15:30.123456789Z");

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        clock = new TestClock(START);
        notify = db.notifyBuilder().clock(clock).build();
    }

    @AfterEach
    void tearDown() {
        if (notify != null) {
            notify.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private Notification send(String recipient, String title) {
        return notify.send(SendRequest.to(recipient).type("test").title(title).build()).first();
    }

    private static List<Long> seqs(Page page) {
        return page.items().stream().map(Notification::seq).toList();
    }

    /** Every notification matching the query, following cursors page by page. */
    private static List<Long> allSeqs(Inbox inbox, InboxQuery query) {
        List<Long> seqs = new ArrayList<>();
        Page page = inbox.list(query);
        seqs.addAll(seqs(page));
        while (page.hasMore()) {
            page = inbox.list(query.withCursor(page.nextCursor()));
            seqs.addAll(seqs(page));
        }
        return seqs;
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static List<Long> descending(long from, long to) {
        List<Long> r = new ArrayList<>(range(from, to));
        Collections.reverse(r);
        return r;
    }

    @Test
    void sentNotificationIsStoredWithEveryFieldAndListedNewestFirst() {
        SendResult result = notify.send(SendRequest.to("alice")
                .type("task_assigned")
                .title("Review the Q3 report")
                .message("Bob assigned you a task due Friday.")
                .data(Map.of("task_id", 42, "tags", List.of("q3", "finance")))
                .link("/tasks/42")
                .priority(Priority.HIGH)
                .build());
        send("alice", "second");
        send("alice", "third");

        Notification first = result.first();
        assertThat(result.created()).isEqualTo(1);
        assertThat(result.replayed()).isFalse();
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.read()).isFalse();
        // Stored with microsecond precision (what both databases keep), and returned as stored.
        assertThat(first.createdAt()).isEqualTo(Instant.parse("2026-03-01T10:15:30.123456Z"));

        Inbox inbox = notify.inbox("alice");
        Page page = inbox.list();
        assertThat(page.items()).extracting(Notification::title).containsExactly("third", "second", "Review the Q3 report");
        assertThat(seqs(page)).containsExactly(3L, 2L, 1L);
        assertThat(page.hasMore()).isFalse();
        assertThat(page.nextCursor()).isNull();

        Notification stored = inbox.get(first.id());
        assertThat(stored).isEqualTo(first);
        assertThat(stored.recipient()).isEqualTo("alice");
        assertThat(stored.type()).isEqualTo("task_assigned");
        assertThat(stored.message()).isEqualTo("Bob assigned you a task due Friday.");
        assertThat(stored.data()).containsEntry("task_id", 42).containsEntry("tags", List.of("q3", "finance"));
        assertThat(stored.link()).isEqualTo("/tasks/42");
        assertThat(stored.priority()).isEqualTo(Priority.HIGH);
        assertThat(stored.readAt()).isNull();
    }

    @Test
    void defaultsApplyWhenOptionalFieldsAreOmitted() {
        Notification n = notify.send(SendRequest.to("alice").title("hello").link("  ").build()).first();

        Notification stored = notify.inbox("alice").get(n.id());
        assertThat(stored.type()).isEqualTo("notification");
        assertThat(stored.message()).isEmpty();
        assertThat(stored.data()).isEmpty();
        assertThat(stored.link()).isNull();
        assertThat(stored.priority()).isEqualTo(Priority.NORMAL);
    }

    @Test
    void pagesHaveNoDuplicatesOrGapsWhileNewNotificationsArrive() {
        for (int i = 1; i <= 25; i++) {
            send("alice", "n" + i);
        }
        Inbox inbox = notify.inbox("alice");
        InboxQuery query = new InboxQuery(false, null, null, 10);

        List<Long> seen = new ArrayList<>();
        Page page = inbox.list(query);
        seen.addAll(seqs(page));
        int pages = 1;
        while (page.hasMore()) {
            // Newer notifications land above the cursor and must not shift the pages below it.
            send("alice", "arrived between pages " + pages);
            send("alice", "arrived between pages " + pages + " again");
            page = inbox.list(query.withCursor(page.nextCursor()));
            seen.addAll(seqs(page));
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(descending(1, 25));
        // The newcomers are on a fresh first page.
        assertThat(seqs(inbox.list(query))).startsWith(29L, 28L, 27L);
    }

    @Test
    void lastFullPageHasNoNextCursor() {
        for (int i = 1; i <= 20; i++) {
            send("alice", "n" + i);
        }
        Inbox inbox = notify.inbox("alice");
        InboxQuery query = new InboxQuery(false, null, null, 10);

        Page first = inbox.list(query);
        assertThat(first.hasMore()).isTrue();
        Page second = inbox.list(query.withCursor(first.nextCursor()));
        assertThat(seqs(second)).containsExactlyElementsOf(descending(1, 10));
        assertThat(second.hasMore()).isFalse();
    }

    @Test
    void unreadFilterListsOnlyUnreadNotifications() {
        List<Notification> sent = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            sent.add(send("alice", "n" + i));
        }
        Inbox inbox = notify.inbox("alice");
        inbox.markRead(sent.get(1).id()); // seq 2
        inbox.markRead(sent.get(4).id()); // seq 5

        InboxQuery unread = new InboxQuery(true, null, null, 2);
        assertThat(allSeqs(inbox, unread)).containsExactly(6L, 4L, 3L, 1L);
        assertThat(inbox.list(unread).items()).allSatisfy(n -> assertThat(n.read()).isFalse());
        assertThat(allSeqs(inbox, new InboxQuery(false, null, null, 2))).containsExactlyElementsOf(descending(1, 6));
    }

    @Test
    void typeFilterListsOnlyThatTypeAcrossPages() {
        for (int i = 1; i <= 9; i++) {
            notify.send(SendRequest.to("alice").type(i % 3 == 0 ? "order_shipped" : "task_assigned").title("n" + i).build());
        }
        Inbox inbox = notify.inbox("alice");

        assertThat(allSeqs(inbox, new InboxQuery(false, "order_shipped", null, 2))).containsExactly(9L, 6L, 3L);
        assertThat(inbox.list(new InboxQuery(false, "task_assigned", null, 100)).items())
                .extracting(Notification::type).hasSize(6).containsOnly("task_assigned");
        assertThat(inbox.list(new InboxQuery(false, "nothing_like_this", null, 10)).items()).isEmpty();

        inbox.markRead(inbox.list(new InboxQuery(false, "order_shipped", null, 1)).items().get(0).id()); // seq 9
        assertThat(allSeqs(inbox, new InboxQuery(true, "order_shipped", null, 1))).containsExactly(6L, 3L);
    }

    @Test
    void unreadCountFollowsReadsAndDeletes() {
        Inbox inbox = notify.inbox("alice");
        assertThat(inbox.unreadCount()).isZero();
        Notification a = send("alice", "a");
        Notification b = send("alice", "b");
        send("alice", "c");
        send("bob", "not alice's");
        assertThat(inbox.unreadCount()).isEqualTo(3);

        inbox.markRead(a.id());
        assertThat(inbox.unreadCount()).isEqualTo(2);
        inbox.delete(b.id());
        assertThat(inbox.unreadCount()).isEqualTo(1);
        inbox.markAllRead();
        assertThat(inbox.unreadCount()).isZero();
        assertThat(notify.inbox("bob").unreadCount()).isEqualTo(1);
    }

    @Test
    void markingReadTwiceKeepsTheFirstReadTime() {
        Notification n = send("alice", "a");
        Inbox inbox = notify.inbox("alice");

        clock.advance(Duration.ofMinutes(5));
        Notification read = inbox.markRead(n.id());
        Instant firstReadAt = START.plus(Duration.ofMinutes(5)).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        assertThat(read.readAt()).isEqualTo(firstReadAt);
        assertThat(read.read()).isTrue();

        clock.advance(Duration.ofMinutes(5));
        Notification again = inbox.markRead(n.id());
        assertThat(again.readAt()).isEqualTo(firstReadAt);
        assertThat(inbox.get(n.id()).readAt()).isEqualTo(firstReadAt);
    }

    @Test
    void markAllReadMarksOnlyUnreadOnesAndReportsHowMany() {
        Notification a = send("alice", "a");
        send("alice", "b");
        send("alice", "c");
        Notification bobs = send("bob", "b1");
        Inbox inbox = notify.inbox("alice");
        inbox.markRead(a.id());
        Instant aReadAt = inbox.get(a.id()).readAt();

        clock.advance(Duration.ofHours(1));
        assertThat(inbox.markAllRead()).isEqualTo(2);

        assertThat(inbox.list().items()).allSatisfy(n -> assertThat(n.read()).isTrue());
        assertThat(inbox.get(a.id()).readAt()).isEqualTo(aReadAt);
        assertThat(inbox.markAllRead()).isZero();
        assertThat(notify.inbox("bob").get(bobs.id()).read()).isFalse();
    }

    @Test
    void deletedNotificationIsGone() {
        Notification a = send("alice", "a");
        Notification b = send("alice", "b");
        Inbox inbox = notify.inbox("alice");

        inbox.delete(a.id());

        assertThat(inbox.list().items()).extracting(Notification::id).containsExactly(b.id());
        assertThatThrownBy(() -> inbox.get(a.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> inbox.markRead(a.id())).isInstanceOf(NotFoundException.class);
        NotFoundException again = catchThrowableOfType(NotFoundException.class, () -> inbox.delete(a.id()));
        assertThat(again.code()).isEqualTo("not_found");
        assertThat(again.getMessage()).contains(Long.toString(a.id()));
        // Sequence numbers are never reused after a delete: the delete itself took 3 (every change is numbered).
        assertThat(send("alice", "c").seq()).isEqualTo(4);
    }

    @Test
    void repeatingAnIdempotencyKeyReturnsTheFirstNotificationAndStoresNothing() {
        SendResult first = notify.send(SendRequest.to("alice").title("Order 7 shipped").idempotencyKey("order-7-shipped").build());
        SendResult repeat = notify.send(SendRequest.to("alice").title("Order 7 shipped (retry)").idempotencyKey("order-7-shipped").build());

        assertThat(first.replayed()).isFalse();
        assertThat(repeat.replayed()).isTrue();
        assertThat(repeat.created()).isZero();
        assertThat(repeat.first()).isEqualTo(first.first());
        assertThat(repeat.first().title()).isEqualTo("Order 7 shipped");
        assertThat(notify.inbox("alice").list().items()).hasSize(1);
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);

        // The key is per recipient, and other keys are independent.
        assertThat(notify.send(SendRequest.to("bob").title("x").idempotencyKey("order-7-shipped").build()).replayed()).isFalse();
        SendResult other = notify.send(SendRequest.to("alice").title("Order 8").idempotencyKey("order-8-shipped").build());
        assertThat(other.replayed()).isFalse();
        assertThat(other.first().seq()).isEqualTo(2);
    }

    @Test
    void idempotentMultiRecipientSendStoresOnlyForRecipientsWithoutTheKey() {
        Notification alices = notify.send(SendRequest.to("alice").title("t").idempotencyKey("k").build()).first();

        SendResult result = notify.send(SendRequest.to("alice", "bob").title("t").idempotencyKey("k").build());

        assertThat(result.created()).isEqualTo(1);
        assertThat(result.replayed()).isFalse();
        assertThat(result.notifications()).extracting(Notification::recipient).containsExactly("alice", "bob");
        assertThat(result.notifications().get(0)).isEqualTo(alices);
        assertThat(notify.inbox("alice").list().items()).hasSize(1);
        assertThat(notify.inbox("bob").list().items()).hasSize(1);
    }

    @Test
    void multiRecipientSendStoresOneNotificationPerRecipientInTheGivenOrder() {
        send("carol", "earlier");

        SendResult result = notify.send(SendRequest.to("carol", "alice", "bob", "alice").title("Standup in 5 minutes").build());

        assertThat(result.created()).isEqualTo(3);
        assertThat(result.notifications()).extracting(Notification::recipient).containsExactly("carol", "alice", "bob");
        assertThat(result.notifications()).extracting(Notification::seq).containsExactly(2L, 1L, 1L);
        assertThat(result.notifications()).extracting(Notification::id).doesNotHaveDuplicates();
        for (Notification n : result.notifications()) {
            assertThat(notify.inbox(n.recipient()).get(n.id())).isEqualTo(n);
            assertThat(notify.inbox(n.recipient()).list().items()).first().isEqualTo(n);
        }
    }

    @Test
    void recipientCannotReadChangeOrDeleteAnotherRecipientsNotification() {
        Notification alices = send("alice", "private");
        send("bob", "bob's own");
        Inbox bob = notify.inbox("bob");

        assertThatThrownBy(() -> bob.get(alices.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.markRead(alices.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.delete(alices.id())).isInstanceOf(NotFoundException.class);
        assertThat(bob.markAllRead()).isEqualTo(1);
        assertThat(bob.list().items()).extracting(Notification::title).containsExactly("bob's own");

        Notification stillThere = notify.inbox("alice").get(alices.id());
        assertThat(stillThere.read()).isFalse();
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
    }

    @Test
    void unknownIdIsNotFound() {
        Inbox inbox = notify.inbox("alice");
        assertThatThrownBy(() -> inbox.get(987_654)).isInstanceOf(NotFoundException.class).hasMessageContaining("987654");
        assertThatThrownBy(() -> inbox.markRead(987_654)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> inbox.delete(987_654)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void invalidRequestsAreRejectedWithACodeAndStoreNothing() {
        assertInvalid("invalid_title", () -> notify.send(SendRequest.to("alice").title("  ").build()));
        assertInvalid("invalid_title", () -> notify.send(SendRequest.to("alice").title(null).build()));
        assertInvalid("invalid_title", () -> notify.send(SendRequest.to("alice").title("x".repeat(Limits.TITLE_MAX + 1)).build()));
        assertInvalid("invalid_type", () -> notify.send(SendRequest.to("alice").type("task assigned").title("t").build()));
        assertInvalid("invalid_type", () -> notify.send(SendRequest.to("alice").type("x".repeat(Limits.TYPE_MAX + 1)).title("t").build()));
        assertInvalid("invalid_message", () -> notify.send(SendRequest.to("alice").title("t").message("m".repeat(Limits.MESSAGE_MAX + 1)).build()));
        assertInvalid("invalid_link", () -> notify.send(SendRequest.to("alice").title("t").link("/" + "l".repeat(Limits.LINK_MAX)).build()));
        assertInvalid("invalid_recipients", () -> notify.send(SendRequest.to(List.of()).title("t").build()));
        assertInvalid("invalid_idempotency_key", () -> notify.send(SendRequest.to("alice").title("t").idempotencyKey(" ").build()));
        // One bad recipient fails the whole send: nobody gets anything.
        assertInvalid("invalid_recipient", () -> notify.send(SendRequest.to("alice", "r".repeat(Limits.RECIPIENT_MAX + 1)).title("t").build()));
        // These two pass the request's own checks and are only caught by send().
        assertInvalid("invalid_data", () -> notify.send(SendRequest.to("alice", "bob").title("t")
                .data(Map.of("blob", "x".repeat(Limits.DATA_JSON_MAX))).build()));
        assertInvalid("invalid_data", () -> notify.send(SendRequest.to("alice").title("t")
                .data(Map.of("not_json", new Object())).build()));

        assertThat(notify.inbox("alice").list().items()).isEmpty();
        assertThat(notify.inbox("bob").list().items()).isEmpty();
        assertThat(notify.inbox("alice").unreadCount()).isZero();
        // The counter did not move either: the first real send is seq 1.
        assertThat(send("alice", "valid").seq()).isEqualTo(1);
        assertThat(send("bob", "valid").seq()).isEqualTo(1);
    }

    @Test
    void invalidQueriesAreRejectedWithACode() {
        Inbox inbox = notify.inbox("alice");
        send("alice", "a");

        assertInvalid("invalid_limit", () -> inbox.list(new InboxQuery(false, null, null, 0)));
        assertInvalid("invalid_limit", () -> inbox.list(new InboxQuery(false, null, null, Limits.PAGE_MAX + 1)));
        assertInvalid("invalid_cursor", () -> inbox.list(new InboxQuery(false, null, "abc", 10)));
        assertInvalid("invalid_cursor", () -> inbox.list(new InboxQuery(false, null, "0", 10)));
        assertInvalid("invalid_cursor", () -> inbox.list(new InboxQuery(false, null, "-5", 10)));
        assertInvalid("invalid_cursor", () -> inbox.list(InboxQuery.firstPage().withCursor("1; DROP TABLE x")));
        assertInvalid("invalid_recipient", () -> notify.inbox(" "));
        assertInvalid("invalid_recipient", () -> notify.inbox("r".repeat(Limits.RECIPIENT_MAX + 1)));

        assertThat(inbox.list(new InboxQuery(false, null, null, Limits.PAGE_MAX)).items()).hasSize(1);
        assertThat(inbox.list(new InboxQuery(false, " ", " ", 1)).items()).hasSize(1);
    }

    private static void assertInvalid(String code, Runnable call) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, call::run);
        assertThat(e).as("expected InvalidRequestException %s", code).isNotNull();
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).isNotBlank();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentSendsToOneRecipientGetGaplessUniqueSequences() throws Exception {
        int threads = 8;
        int perThread = 50;
        List<Long> returned = runConcurrently(threads, perThread, (t, i) ->
                notify.send(SendRequest.to("alice").title("t" + t + "-" + i).build()).first().seq());

        int total = threads * perThread;
        assertThat(returned).hasSize(total).doesNotHaveDuplicates();
        assertThat(returned.stream().sorted().toList()).containsExactlyElementsOf(range(1, total));
        assertThat(allSeqs(notify.inbox("alice"), new InboxQuery(false, null, null, Limits.PAGE_MAX)))
                .containsExactlyElementsOf(descending(1, total));
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(total);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentMultiRecipientSendsInOppositeOrdersDoNotDeadlock() throws Exception {
        int threads = 6;
        int perThread = 30;
        runConcurrently(threads, perThread, (t, i) -> {
            List<String> recipients = t % 2 == 0 ? List.of("alice", "bob") : List.of("bob", "alice");
            return notify.send(SendRequest.to(recipients).title("t" + t + "-" + i).build()).created();
        });

        int total = threads * perThread;
        for (String r : List.of("alice", "bob")) {
            assertThat(allSeqs(notify.inbox(r), new InboxQuery(false, null, null, Limits.PAGE_MAX)))
                    .as(r).containsExactlyElementsOf(descending(1, total));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentRepeatsOfOneIdempotencyKeyStoreExactlyOneNotification() throws Exception {
        List<Long> ids = runConcurrently(8, 5, (t, i) ->
                notify.send(SendRequest.to("alice").title("once").idempotencyKey("only-once").build()).first().id());

        assertThat(ids).hasSize(40).containsOnly(ids.get(0));
        assertThat(notify.inbox("alice").list().items()).extracting(Notification::id).containsExactly(ids.get(0));
        assertThat(send("alice", "next").seq()).isEqualTo(2);
    }

    interface Task<T> {
        T run(int thread, int iteration) throws Exception;
    }

    /** Runs {@code threads x perThread} tasks, all threads released at once; returns every result. */
    private static <T> List<T> runConcurrently(int threads, int perThread, Task<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<T>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<List<T>> body = () -> {
                    go.await();
                    List<T> out = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        out.add(task.run(thread, i));
                    }
                    return out;
                };
                futures.add(pool.submit(body));
            }
            go.countDown();
            List<T> all = new ArrayList<>();
            for (Future<List<T>> f : futures) {
                all.addAll(f.get(50, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}

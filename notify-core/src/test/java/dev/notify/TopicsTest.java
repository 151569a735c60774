package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Topic membership and fan-out at send time. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class TopicsTest {
    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        notify = db.notifyBuilder().build();
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    @Test
    void aSendToATopicReachesItsMembersAtSendTime() {
        notify.topics().subscribe("managers", "bob");
        notify.topics().subscribe("managers", "alice");
        notify.topics().subscribe("managers", "alice"); // harmless

        SendResult result = notify.send(SendRequest.toTopic("managers").type("new_order").title("Order 7").build());
        assertThat(result.notifications()).extracting(Notification::recipient).containsExactly("alice", "bob");

        notify.topics().subscribe("managers", "carol");
        assertThat(notify.topics().unsubscribe("managers", "bob")).isTrue();
        assertThat(notify.topics().unsubscribe("managers", "bob")).isFalse();
        notify.send(SendRequest.toTopic("managers").type("new_order").title("Order 8").build());

        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(2);
        assertThat(notify.inbox("bob").unreadCount()).isEqualTo(1);
        assertThat(notify.inbox("carol").unreadCount()).isEqualTo(1);
        assertThat(notify.topics().members("managers")).containsExactly("alice", "carol");
    }

    @Test
    void recipientsAndATopicAreJoinedWithoutDuplicates() {
        notify.topics().subscribe("managers", "alice");
        SendResult result = notify.send(SendRequest.to("alice", "dave").topic("managers").title("Hi").build());
        assertThat(result.notifications()).extracting(Notification::recipient).containsExactly("alice", "dave");
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
    }

    @Test
    void aTopicMayHaveMoreMembersThanARequestMayNameRecipients() {
        int members = Limits.RECIPIENTS_MAX + 200;
        for (int i = 0; i < members; i++) {
            notify.topics().subscribe("everyone", "user-" + i);
        }
        SendResult result = notify.send(SendRequest.toTopic("everyone").type("maintenance").title("Down at 2am")
                .idempotencyKey("maintenance-1").build());
        assertThat(result.notifications()).hasSize(members);
        assertThat(result.created()).isEqualTo(members);
        assertThat(notify.inbox("user-0").unreadCount()).isEqualTo(1);
        assertThat(notify.inbox("user-" + (members - 1)).unreadCount()).isEqualTo(1);
        // A retry under the same key stores nothing new.
        assertThat(notify.send(SendRequest.toTopic("everyone").type("maintenance").title("Down at 2am")
                .idempotencyKey("maintenance-1").build()).created()).isZero();

        String[] named = new String[Limits.RECIPIENTS_MAX + 1];
        for (int i = 0; i < named.length; i++) {
            named[i] = "user-" + i;
        }
        assertThatThrownBy(() -> SendRequest.to(named).topic("everyone").title("x").build())
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("at most " + Limits.RECIPIENTS_MAX);
    }

    @Test
    void anEmptyTopicStoresNothing() {
        SendResult result = notify.send(SendRequest.toTopic("nobody").title("Hi").build());
        assertThat(result.notifications()).isEmpty();
        assertThat(result.created()).isZero();
    }

    @Test
    void badTopicNamesAreRejected() {
        assertThatThrownBy(() -> notify.topics().subscribe("has space", "alice"))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> SendRequest.toTopic("a/b").title("x").build())
                .isInstanceOf(InvalidRequestException.class);
    }
}

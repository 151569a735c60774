package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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

/** Single-use stream tickets kept in the database, so that every node sharing it honours them. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class StreamTicketsTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify nodeA;
    private Notify nodeB;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        nodeA = db.notifyBuilder().build();
        nodeB = db.notifyBuilder().build();
    }

    @AfterEach
    void tearDown() {
        nodeB.close();
        nodeA.close();
        db.close();
    }

    @Test
    void aTicketIssuedOnOneNodeIsRedeemedOnAnotherOnce() {
        String ticket = nodeA.streamTickets().issue("alice", Set.of("publish", "admin"), NOW, NOW.plusSeconds(30));
        assertThat(ticket).hasSize(43).matches("[A-Za-z0-9_-]+");

        Optional<StreamTickets.Ticket> taken = nodeB.streamTickets().redeem(ticket);
        assertThat(taken).hasValueSatisfying(t -> {
            assertThat(t.recipient()).isEqualTo("alice");
            assertThat(t.scopes()).containsExactlyInAnyOrder("publish", "admin");
            assertThat(t.validAt(NOW.plusSeconds(29))).isTrue();
            assertThat(t.validAt(NOW.plusSeconds(30))).isFalse();
        });
        assertThat(nodeB.streamTickets().redeem(ticket)).isEmpty();
        assertThat(nodeA.streamTickets().redeem(ticket)).isEmpty();
    }

    @Test
    void unknownBlankAndMalformedTicketsRedeemNothing() {
        nodeA.streamTickets().issue("alice", Set.of(), NOW, NOW.plusSeconds(30));
        assertThat(nodeA.streamTickets().redeem(null)).isEmpty();
        assertThat(nodeA.streamTickets().redeem(" ")).isEmpty();
        assertThat(nodeA.streamTickets().redeem("x".repeat(43))).isEmpty();
        assertThat(nodeA.streamTickets().redeem("x".repeat(5000))).isEmpty();
        assertThat(nodeA.streamTickets().outstanding(NOW)).isEqualTo(1);
    }

    @Test
    void expiredTicketsArePurgedWhenTheNextOneIsIssued() {
        String old = nodeA.streamTickets().issue("alice", Set.of(), NOW, NOW.plusSeconds(30));
        Instant later = NOW.plus(Duration.ofMinutes(1));
        assertThat(nodeA.streamTickets().outstanding(later)).isZero();
        nodeA.streamTickets().issue("bob", Set.of(), later, later.plusSeconds(30));
        assertThat(nodeA.streamTickets().redeem(old)).isEmpty();
    }

    @Test
    void twoNodesRacingForOneTicketCannotBothWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String ticket = nodeA.streamTickets().issue("alice", Set.of(), NOW, NOW.plusSeconds(30));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Optional<StreamTickets.Ticket>>> attempts = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Notify node = i % 2 == 0 ? nodeA : nodeB;
                    attempts.add(pool.submit(() -> {
                        start.await();
                        return node.streamTickets().redeem(ticket);
                    }));
                }
                start.countDown();
                int winners = 0;
                for (Future<Optional<StreamTickets.Ticket>> attempt : attempts) {
                    winners += attempt.get().isPresent() ? 1 : 0;
                }
                assertThat(winners).as("round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badArgumentsAreRejectedAndStoreNothing() {
        StreamTickets tickets = nodeA.streamTickets();
        assertThatThrownBy(() -> tickets.issue("", Set.of(), NOW, NOW.plusSeconds(30)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> tickets.issue("alice", Set.of("two words"), NOW, NOW.plusSeconds(30)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> tickets.issue("alice", Set.of(), NOW, NOW))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(tickets.outstanding(NOW)).isZero();
    }
}

package dev.notify.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Smoke mode: every benchmark with a tiny N, so none can rot. Each asserts what the real run
 * must also show (nothing lost, everything delivered) but says nothing about speed.
 */
class BenchSmokeTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private static Args args(String... a) {
        return new Args(a, 0);
    }

    @Test
    void endToEndDeliversEveryNotificationOnce() throws Exception {
        List<EndToEndBench.Step> steps = EndToEndBench.run(
                args("--users=50", "--rates=100", "--seconds=1", "--no-warmup"), out);
        assertThat(steps).singleElement().satisfies(s -> {
            assertThat(s.postErrors()).isZero();
            assertThat(s.received()).isEqualTo(100);
            assertThat(s.lost()).isZero();
            assertThat(s.duplicates()).isZero();
        });
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("| rate/s |");
    }

    @Test
    void restartUnderLoadLosesNothingAcknowledgedAndWarmsUpFirst() throws Exception {
        RestartBench.Result r = RestartBench.run(args("--users=20", "--rate=20", "--warm-seconds=3", "--seconds=2",
                "--reconnect-seconds=1", "--warmup=1", "--server-flags=-Xmx256m"), out).get(0);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicates()).isZero();
        assertThat(r.receivedAfterRestart()).isPositive();
    }

    @Test
    void commitsSendsWithBothH2WriteDelays() throws Exception {
        List<CommitBench.Run> runs = CommitBench.run(args("--threads=1", "--seconds=1", "--users=10"), out);
        assertThat(runs).extracting(CommitBench.Run::mode).containsExactly("WRITE_DELAY=500", "WRITE_DELAY=0");
        assertThat(runs).allSatisfy(r -> assertThat(r.sends()).isPositive());
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("sends/s durable / delayed");
    }

    @Test
    void emailDeliversEveryMessageReusedAndPerMessage() throws Exception {
        EmailBench.Result[] r = EmailBench.run(args("--messages=40", "--no-warmup"), out);
        assertThat(r[0].delivered()).isEqualTo(40);
        assertThat(r[0].accepted()).isEqualTo(40);
        assertThat(r[0].connections()).isBetween(1, 4);
        assertThat(r[1].accepted()).isEqualTo(40);
        assertThat(r[1].connections()).isEqualTo(1);
        for (EmailBench.Result perMessage : new EmailBench.Result[] {r[2], r[3]}) {
            assertThat(perMessage.accepted()).isEqualTo(40);
            assertThat(perMessage.connections()).isEqualTo(40);
        }
    }

    @Test
    void pushDeliversEveryMessageOverTls() throws Exception {
        PushBench.Result r = PushBench.run(args("--messages=30", "--subscriptions=12", "--no-warmup"), out);
        assertThat(r.delivered()).isEqualTo(30);
        assertThat(r.accepted()).isEqualTo(r.delivered());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sse", "ws"})
    void idleServerHoldsEveryStreamAndHeartbeats(String kind) throws Exception {
        IdleBench.Result r = IdleBench.run(args("--" + kind + "=40", "--clients=2", "--heartbeat=1", "--window=2",
                "--server-flags=-Xmx256m -XX:TieredStopAtLevel=1"), out);
        assertThat(r.established()).isEqualTo(40);
        assertThat(r.errors()).isZero();
        assertThat(r.closed()).isZero();
        assertThat(r.heartbeatsExpected()).isEqualTo(80); // 40 streams x 2 s window / 1 s
        assertThat(r.heartbeatsSeen()).isGreaterThanOrEqualTo(r.heartbeatsExpected() / 2);
    }

    @Test
    void storeHoldsEveryRowAndAnswersInboxQueries() throws Exception {
        StoreBench.Result r = StoreBench.run(args("--rows=2000", "--users=200", "--batch=200", "--heavy=120",
                "--queries=40"), out);
        assertThat(r.rows()).isEqualTo(2120); // counted in notify_notification
        assertThat(r.heavyUnread()).isEqualTo(120);
        // 2000 rows over 200 users: the typical user holds 10.
        assertThat(r.typicalFirstPageItems()).isEqualTo(10);
    }

    @Test
    void broadcastReachesEveryNormalReaderWithAndWithoutASlowOne() throws Exception {
        List<BroadcastBench.Phase> phases = BroadcastBench.run(args("--users=40", "--rate=20", "--broadcasts=40",
                "--server=in-process", "--no-warmup", "--drain=20"), out);
        assertThat(phases).hasSize(2).allSatisfy(p -> {
            assertThat(p.postErrors()).isZero();
            assertThat(p.expected()).isEqualTo(40L * 40);
            assertThat(p.received()).isEqualTo(p.expected());
            assertThat(p.lost()).isZero();
            assertThat(p.duplicates()).isZero();
        });
        assertThat(phases.get(0).slowReader()).isEqualTo("none");
        // 40 broadcasts of a few hundred bytes fit the slow reader's buffers and the server's queue.
        assertThat(phases.get(1).slowReader()).startsWith("not closed;").endsWith(", 40 of 40 broadcasts in all");
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("| p99 with / without (phase 1) |");
    }

    @Test
    void claimsDeliverEveryOutboxRowOnceAtEachConcurrency() throws Exception {
        List<ClaimBench.Run> runs = ClaimBench.run(args("--rows=600", "--send-rows=200", "--batch=200",
                "--claimers=1,3"), out);
        assertThat(runs).hasSize(2).allSatisfy(r -> assertThat(r.rows()).isEqualTo(600));
    }

    @Test
    void burstSendsEveryNotificationWhileTheOutboxDelivers() throws Exception {
        List<BurstBench.Phase> phases = BurstBench.run(args("--burst=600", "--rate=20", "--seconds=2"), out);
        assertThat(phases).hasSize(2).allSatisfy(p -> {
            assertThat(p.sends()).isEqualTo(40);
            assertThat(p.latency().getTotalCount()).isEqualTo(40);
        });
        assertThat(phases.get(1).delivered()).as("the outbox delivered while the sends ran").isPositive();
    }

    @Test
    void microBenchmarksRun() throws Exception {
        var results = new Runner(new OptionsBuilder().include(MicroBenchmarks.class.getName())
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100)).verbosity(VerboseMode.SILENT).build()).run();
        assertThat(results).hasSize(4);
    }
}

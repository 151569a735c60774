package dev.notify.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
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
    void emailDeliversEveryMessageReusedAndPerMessage() throws Exception {
        EmailBench.Result[] r = EmailBench.run(args("--messages=40", "--no-warmup"), out);
        assertThat(r[0].delivered()).isEqualTo(40);
        assertThat(r[0].accepted()).isEqualTo(40);
        assertThat(r[0].connections()).isEqualTo(1);
        assertThat(r[1].accepted()).isEqualTo(40);
        assertThat(r[1].connections()).isEqualTo(40);
    }

    @Test
    void pushDeliversEveryMessageOverTls() throws Exception {
        PushBench.Result r = PushBench.run(args("--messages=30", "--subscriptions=12", "--no-warmup"), out);
        assertThat(r.accepted()).isEqualTo(30);
    }

    @Test
    void idleServerHoldsEveryStreamAndHeartbeats() throws Exception {
        IdleBench.Result r = IdleBench.run(args("--sse=40", "--clients=2", "--heartbeat=1", "--window=2",
                "--server-flags=-Xmx256m -XX:TieredStopAtLevel=1"), out);
        assertThat(r.established()).isEqualTo(40);
        assertThat(r.errors()).isZero();
        assertThat(r.closed()).isZero();
        assertThat(r.heartbeatsSeen()).isGreaterThan(0);
    }

    @Test
    void idleServerHoldsEveryWebSocketAndPingsIt() throws Exception {
        IdleBench.Result r = IdleBench.run(args("--ws=40", "--clients=2", "--heartbeat=1", "--window=2",
                "--server-flags=-Xmx256m -XX:TieredStopAtLevel=1"), out);
        assertThat(r.established()).isEqualTo(40);
        assertThat(r.errors()).isZero();
        assertThat(r.closed()).isZero();
        assertThat(r.heartbeatsSeen()).isGreaterThan(0);
    }

    @Test
    void storeHoldsEveryRowAndAnswersInboxQueries() throws Exception {
        StoreBench.Result r = StoreBench.run(args("--rows=2000", "--users=200", "--batch=500", "--heavy=120",
                "--queries=40"), out);
        assertThat(r.rows()).isEqualTo(2120);
        assertThat(r.heavyUnread()).isEqualTo(120);
        assertThat(r.firstPage().getTotalCount()).isEqualTo(40);
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
        assertThat(phases.get(1).slowReader()).isNotEqualTo("none");
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("| p99 with / without (phase 1) |");
    }

    @Test
    void claimsDeliverEveryOutboxRowOnceAtEachConcurrency() throws Exception {
        List<ClaimBench.Run> runs = ClaimBench.run(args("--rows=600", "--batch=200", "--claimers=1,3"), out);
        assertThat(runs).hasSize(4).allSatisfy(r -> assertThat(r.rows()).isEqualTo(600));
    }

    @Test
    void microBenchmarksRun() throws Exception {
        var results = new Runner(new OptionsBuilder().include(MicroBenchmarks.class.getName())
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100)).verbosity(VerboseMode.SILENT).build()).run();
        assertThat(results).hasSize(4);
    }
}

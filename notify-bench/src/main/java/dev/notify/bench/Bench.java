package dev.notify.bench;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The command line of notify-bench: {@code java -jar notify-bench.jar <benchmark> [--option=value ...]}.
 * Each benchmark prints a Markdown table with the date, JVM, flags, cores, memory and load.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage(System.err);
            System.exit(2);
        }
        PrintStream out = System.out;
        if (args[0].equals("micro")) {
            // JMH's own options, e.g. -f 1 -wi 3 -i 5
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Args a = new Args(args, 1);
        switch (args[0]) {
            case "e2e" -> EndToEndBench.run(a, out);
            case "email" -> EmailBench.run(a, out);
            case "push" -> PushBench.run(a, out);
            case "idle" -> IdleBench.run(a, out);
            case "store" -> StoreBench.run(a, out);
            case "broadcast" -> BroadcastBench.run(a, out);
            case "claims" -> ClaimBench.run(a, out);
            case "burst" -> BurstBench.run(a, out);
            case "crash" -> CrashBench.run(a, out);
            case "commits" -> CommitBench.run(a, out);
            case "flood" -> FloodBench.run(a, out);
            case "outage" -> OutageBench.run(a, out);
            case "ops" -> OpsBench.run(a, out);
            case "restart" -> RestartBench.run(a, out);
            case "idle-client" -> IdleBench.client(a, out);
            case "server" -> server(a, out);
            default -> {
                usage(System.err);
                System.exit(2);
            }
        }
        if (!a.unread().isEmpty()) {
            System.err.println("warning: " + args[0] + " did not use option(s) --" + String.join(", --", a.unread())
                    + " (misspelled, or not used by this run; see the usage)");
        }
        System.exit(0);
    }

    /** A notify server for load runs in its own process: prints {@code port=N pid=P} and runs until killed. */
    private static void server(Args a, PrintStream out) throws Exception {
        TargetServer.Started started = TargetServer.start(a, a.integer("port", 0), System.err);
        out.println("port=" + started.server().port() + " pid=" + ProcessHandle.current().pid());
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.server().close();
            TargetServer.deleteTree(started.dataDirectory());
        }));
        Thread.currentThread().join();
    }

    private static void usage(PrintStream err) {
        err.println("""
                usage: java -jar notify-bench/target/notify-bench.jar <benchmark> [--option=value ...]
                  micro   [JMH options]   (7) SSE frame, JWT verify, push encryption, template render
                  e2e     --users=2000 --rates=500,1000,2000,3000 --seconds=10 [--no-warmup] [--sources=1]
                          [--url=http://127.0.0.1:PORT --server-pid=P] [--db=h2|pg] [--pg-url=jdbc:postgresql://...]
                          [--heartbeat=30] [--pool=10] [--secret=...]
                          [--peer=node [--node=node] [--node-dir=notify-bench/node]]  the same steps against
                          notify-bench/node's in-memory better-sse server (npm ci there first), then both side by side
                  email   --messages=10000 [--per-message=2000] [--pool=4] [--tls=false] [--no-warmup]
                  burst   --burst=100000 --rate=200 --seconds=20 [--senders=8] [--db=h2|pg] [--pg-url=...]
                  push    --messages=10000 --subscriptions=10000 [--origins=3] [--tls=false] [--http2=false] [--no-warmup]
                          [--node] [--node-bin=node] [--node-dir=notify-bench/node]
                  idle    --sse=19000 | --ws=19000  --clients=3 --heartbeat=5 [--window=max(3*heartbeat,10)] [--settle=0]
                          [--server=notify|node] [--server-java=/path/to/java] [--server-flags=-Xmx1g]
                          [--server-classpath=...] [--server-cpus=0-3] [--client-cpus=4-7] [--node=node]
                          [--node-dir=notify-bench/node]
                  flood   --streams=1000 [--users=1] [--loris=0] [--hold=10] [--nofile=1024] [--server-java=...]
                  store   --rows=1000000 --users=100000 --batch=1000 --heavy=20000 [--queries=2000] [--db=h2|jdbc:...] [--inbox=true]
                  broadcast --users=10000 --rate=2 --broadcasts=300 [--warmup=N] [--no-warmup] [--drain=30]
                          [--phases=without,with] [--slow-bytes=16] [--sources=1] [--db=h2|pg] [--pg-url=...]
                          [--server=process|in-process] [--server-flags=-Xmx2g] [--server-java=...]
                          [--url=... --server-pid=P] [--heartbeat=30] [--pool=10] [--secret=...]
                  claims  --rows=200000 --batch=1000 --claimers=1,2,4 [--send-rows=5000] [--db=h2|pg|jdbc:...]
                          [--pg-url=jdbc:postgresql://...]
                  crash   --db=h2|pg --notifications=2000 --kills=3 [--nodes=1|2 (pg)] [--senders=4] [--users=20]
                          [--lease=30] [--pg-url=jdbc:postgresql://...] [--server-flags="-Xmx256m -XX:TieredStopAtLevel=1"]
                          [--delivery-timeout=180] [--h2-write-delay=500 (H2's own default; notify's is 0)]
                          kill -9 the server (child JVMs) during sends and deliveries
                  commits --threads=1,4 --seconds=5 [--users=1000]  Notify.send in process on H2, WRITE_DELAY=500 vs 0
                          [--compare=group [--db=h2|pg] [--pg-url=...]]  group commit off vs on instead
                  outage  --emails=200 --outage-seconds=120 [--limit-seconds=900]
                  ops     --clients=8 --seconds=10 --warmup=5 --rounds=3   sends/s with metrics and rate limits on/off
                  restart --users=2000 --rate=1000 --warm-seconds=20 --seconds=10 [--reconnect-seconds=3]
                          [--warmup=0,10 (server's NOTIFY_WARMUP_SECONDS, one cycle each)] [--server-flags="-XX:..."]
                          kill -9 a warm server under load, start it again, p99 of the first seconds vs warm
                  server  [--port=0] [--heartbeat=30] [--db=h2|pg] [--pg-url=...] [--pool=10] [--secret=...]
                          a server for e2e --url=...
                  idle-client  (started by idle) --count=100 --offset=0 --url=... --kind=sse|ws --source=127.0.0.1 [--secret=...]
                Options a command does not read are reported on stderr after it ran.
                See notify-bench/README.md.""");
    }
}

package dev.notify.bench;

import dev.notify.server.NotifyServer;
import dev.notify.server.ServerConfig;
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
            case "idle-client" -> IdleBench.client(a, out);
            case "server" -> server(a, out);
            default -> {
                usage(System.err);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /** A notify server for load runs in its own process: prints {@code port=N pid=P} and runs until killed. */
    private static void server(Args a, PrintStream out) throws Exception {
        ServerConfig config = TargetServer.config(a, a.integer("port", 0));
        NotifyServer server = NotifyServer.start(config, System.err);
        out.println("port=" + server.port() + " pid=" + ProcessHandle.current().pid());
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            TargetServer.deleteTree(config.dataDirectory());
        }));
        Thread.currentThread().join();
    }

    private static void usage(PrintStream err) {
        err.println("""
                usage: java -jar notify-bench/target/notify-bench.jar <benchmark> [--option=value ...]
                  micro   [JMH options]   (7) SSE frame, JWT verify, push encryption, template render
                  e2e     --users=2000 --rates=500,1000,2000,3000 --seconds=10 [--url=http://127.0.0.1:PORT] [--db=h2|pg]
                  email   --messages=10000
                  push    --messages=10000 --subscriptions=10000 [--tls=false] [--node]
                  idle    --sse=19000 --clients=3 --heartbeat=5 [--server=notify|node] [--server-java=/path/to/java] [--server-flags=...]
                  store   --rows=1000000 --users=100000 --batch=1000 --heavy=20000 [--db=jdbc:...]
                  broadcast --users=999 --rate=1 --broadcasts=120 [--warmup=N] [--phases=without,with,without] [--db=h2|pg] [--server-flags=-Xmx2g] [--url=... --server-pid=P]
                  claims  --rows=200000 --claimers=1,2,4 [--db=h2|pg|jdbc:...] [--pg-url=jdbc:postgresql://...]
                  server  [--port=0] [--heartbeat=30] [--db=h2|pg]   a server for e2e --url=...
                See notify-bench/README.md.""");
    }
}

package dev.notify.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * (1) Idle connections held: a notify server in its own JVM (so its memory and CPU are its own),
 * C client processes each opening a share of N SSE streams ({@code --sse=N}) or WebSockets
 * ({@code --ws=N}) from their own 127.0.0.x address; then the server's resident memory, heap after
 * GC, threads and open files at 0 and at N, and its CPU while only heartbeats (SSE heartbeat
 * events, WebSocket pings; both every {@code --heartbeat} seconds) flow, over {@code --window}
 * seconds starting {@code --settle} seconds after the last stream opened.
 */
final class IdleBench {
    record Sample(long rssKb, long heapBytes, long threads, long fds) {
    }

    record Result(int target, int established, int errors, int closed, Sample before, Sample after,
                  double heartbeatCpuPercent, long heartbeatsSeen, long heartbeatsExpected) {
        double bytesPerConnection() {
            return (after.rssKb() - before.rssKb()) * 1024.0 / Math.max(1, established);
        }

        double heapPerConnection() {
            return (after.heapBytes() - before.heapBytes()) / (double) Math.max(1, established);
        }
    }

    private IdleBench() {
    }

    static Result run(Args args, PrintStream out) throws Exception {
        boolean ws = args.get("ws", null) != null;
        int n = ws ? args.integer("ws", 1000) : args.integer("sse", 1000);
        String kind = ws ? "WebSocket" : "SSE";
        int settle = args.integer("settle", 0);
        int clientCount = args.integer("clients", Math.max(1, (n + 8999) / 9000));
        int heartbeat = args.integer("heartbeat", 5);
        int window = args.integer("window", Math.max(3 * heartbeat, 10));
        String java = args.get("server-java", Path.javaBinary());
        String classpath = System.getProperty("java.class.path");
        // The server's code may come from another build (e.g. before a change); the protocol
        // between this driver and ServerMain is the same.
        String serverClasspath = args.get("server-classpath", classpath);
        boolean node = args.get("server", "notify").equals("node");
        List<String> serverCmd = new ArrayList<>();
        if (!args.get("server-cpus", "").isEmpty()) {
            serverCmd.addAll(List.of("taskset", "-c", args.get("server-cpus", "")));
        }
        if (node && ws) {
            throw new IllegalArgumentException("--server=node serves SSE only");
        }
        if (node) {
            // The side-by-side: a minimal better-sse server (notify-bench/node/sse-server.js).
            serverCmd.addAll(List.of(args.get("node", "node"), "--expose-gc",
                    args.get("node-dir", "notify-bench/node") + "/sse-server.js",
                    "--heartbeat=" + heartbeat, "--secret=" + TargetServer.DEFAULT_SECRET));
        } else {
            serverCmd.add(java);
            for (String f : args.get("server-flags", "-Xmx1g").split(" ")) {
                if (!f.isBlank()) {
                    serverCmd.add(f);
                }
            }
            serverCmd.addAll(List.of("-cp", serverClasspath, IdleBench.class.getName() + "$ServerMain",
                    "--heartbeat=" + heartbeat, "--secret=" + TargetServer.DEFAULT_SECRET,
                    // Every stream this run opens must fit under the server's cap on open streams.
                    "--max-streams=" + Math.max(n, 1)));
        }
        Process server = new ProcessBuilder(serverCmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Process> clients = new ArrayList<>();
        try {
            BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter serverIn = new PrintWriter(server.getOutputStream(), true, StandardCharsets.UTF_8);
            String hello = serverOut.readLine();
            if (hello == null || !hello.startsWith("port=")) {
                throw new IllegalStateException("server did not start: " + hello);
            }
            int port = Integer.parseInt(hello.substring(5).split(" ")[0]);
            long pid = Long.parseLong(hello.split("pid=")[1].trim());
            Thread.sleep(1000);
            Sample before = sample(pid, serverIn, serverOut);

            List<BufferedReader> clientOut = new ArrayList<>();
            List<PrintWriter> clientIn = new ArrayList<>();
            for (int c = 0; c < clientCount; c++) {
                int share = n / clientCount + (c < n % clientCount ? 1 : 0);
                List<String> cmd = new ArrayList<>();
                if (!args.get("client-cpus", "").isEmpty()) {
                    cmd.addAll(List.of("taskset", "-c", args.get("client-cpus", "")));
                }
                cmd.addAll(List.of(Path.javaBinary(), "-Xmx512m", "-cp", classpath, Bench.class.getName(), "idle-client",
                        "--url=http://127.0.0.1:" + port, "--count=" + share, "--source=127.0.0." + (2 + c),
                        "--kind=" + (ws ? "ws" : "sse"),
                        "--offset=" + (c * 1_000_000)));
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                clients.add(p);
                clientOut.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
                clientIn.add(new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8));
            }
            int established = 0;
            int errors = 0;
            for (BufferedReader r : clientOut) {
                Map<String, Long> m = parse(r.readLine()); // printed once all its streams are open, or on timeout
                established += m.getOrDefault("established", 0L).intValue();
                errors += m.getOrDefault("errors", 0L).intValue();
            }
            out.printf(Locale.ROOT, "%d of %d %s streams open (%d errors)%n", established, n, kind, errors);
            Sample after = sample(pid, serverIn, serverOut);
            // Right after the burst of opens the JIT is still compiling the request path; --settle
            // keeps that out of the heartbeat window.
            Thread.sleep(TimeUnit.SECONDS.toMillis(settle));

            long hb0 = report(clientIn, clientOut).getOrDefault("heartbeats", 0L);
            long cpu0 = Machine.processCpuNanos(pid);
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(window));
            long cpu = Machine.cpuDelta(cpu0, Machine.processCpuNanos(pid));
            long wall = System.nanoTime() - t0;
            Map<String, Long> end = report(clientIn, clientOut);
            long heartbeats = end.getOrDefault("heartbeats", 0L) - hb0;
            Result r = new Result(n, established, errors, end.getOrDefault("closed", 0L).intValue(), before, after,
                    cpu < 0 ? -1 : 100.0 * cpu / wall, heartbeats, (long) established * window / heartbeat);
            String serverName = node ? "a minimal Node.js better-sse server (" + nodeVersion(args.get("node", "node")) + ")"
                    : "one notify server JVM (flags " + args.get("server-flags", "-Xmx1g") + ", " + java + ")";
            Table t = new Table("Idle " + kind + " connections held by " + serverName
                    + (serverClasspath.equals(classpath) ? "" : ", server code from " + serverClasspath) + "; "
                    + clientCount + " client processes, heartbeat every " + heartbeat + " s, CPU over " + window
                    + " s starting " + settle + " s after the last stream opened",
                    "target", "open", "errors", "closed during hold", "RSS before → after (MiB)", "RSS per conn",
                    "heap after GC before → after (MiB)", "heap per conn", "threads before → after", "server CPU on heartbeats",
                    "heartbeats received / expected");
            t.row(n, established, errors, r.closed(),
                    String.format(Locale.ROOT, "%.0f → %.0f", before.rssKb() / 1024.0, after.rssKb() / 1024.0),
                    String.format(Locale.ROOT, "%.1f KB", r.bytesPerConnection() / 1024),
                    String.format(Locale.ROOT, "%.0f → %.0f", before.heapBytes() / 1048576.0, after.heapBytes() / 1048576.0),
                    String.format(Locale.ROOT, "%.1f KB", r.heapPerConnection() / 1024),
                    before.threads() + " → " + after.threads(),
                    r.heartbeatCpuPercent() < 0 ? Machine.cpuNotMeasured(pid)
                            : String.format(Locale.ROOT, "%.1f%% of a core", r.heartbeatCpuPercent()),
                    heartbeats + " / " + r.heartbeatsExpected());
            t.print(out);
            for (PrintWriter w : clientIn) {
                w.println("quit");
            }
            return r;
        } finally {
            for (Process p : clients) {
                p.destroy();
            }
            // End of stdin stops the server cleanly (it deletes its data directory); kill it only if it hangs.
            try {
                server.getOutputStream().close();
            } catch (IOException e) {
                // already gone
            }
            if (!server.waitFor(15, TimeUnit.SECONDS)) {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
            for (Process p : clients) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code node --version} as "node vX.Y.Z", or "node ?". */
    static String nodeVersion(String node) {
        try {
            Process p = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
            return "node " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "node ?";
        }
    }

    private static Sample sample(long pid, PrintWriter serverIn, BufferedReader serverOut) throws IOException {
        serverIn.println("gc");
        Map<String, Long> m = parse(serverOut.readLine());
        return new Sample(Machine.status(pid, "VmRSS"), m.get("heap"), Machine.status(pid, "Threads"),
                Machine.openFiles(pid));
    }

    private static Map<String, Long> report(List<PrintWriter> in, List<BufferedReader> out) throws IOException {
        Map<String, Long> sum = new java.util.HashMap<>();
        for (PrintWriter w : in) {
            w.println("report");
        }
        for (BufferedReader r : out) {
            parse(r.readLine()).forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    private static Map<String, Long> parse(String line) {
        Map<String, Long> m = new java.util.HashMap<>();
        if (line == null) {
            return m;
        }
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return m;
    }

    /** One client process: opens its share of streams, then answers "report" and "quit" on stdin. */
    static void client(Args args, PrintStream out) throws Exception {
        int count = args.integer("count", 100);
        int offset = args.integer("offset", 0);
        URI url = URI.create(args.get("url", "http://127.0.0.1:8080"));
        var tokens = dev.notify.javalin.JwtAuthenticator.hs256(args.get("secret", TargetServer.DEFAULT_SECRET));
        boolean ws = args.get("kind", "sse").equals("ws");
        var server = new InetSocketAddress(url.getHost(), url.getPort());
        var sources = List.of(InetAddress.getByName(args.get("source", "127.0.0.1")));
        String path = ws ? "/ws/notifications?token=" : "/api/v1/notifications/sse/stream?token=";
        try (IdleClients clients = ws ? new WsClients(server, sources) : new SseClients(server, sources, (c, line) -> { })) {
            for (int i = 0; i < count; i++) {
                clients.open(path + tokens.issue("idle" + (offset + i), java.util.Set.of(), java.time.Duration.ofHours(6)));
                clients.throttle(200);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (clients.established() + clients.errors() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            out.println("established=" + clients.established() + " errors=" + clients.errors());
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String cmd; (cmd = in.readLine()) != null && !cmd.equals("quit"); ) {
                out.println("established=" + clients.established() + " errors=" + clients.errors()
                        + " closed=" + clients.closed() + " heartbeats=" + clients.heartbeats()
                        + " cpu_ms=" + Machine.processCpuNanos() / 1_000_000);
                out.flush();
            }
        }
    }

    /** The server process of this benchmark: prints port and pid, then answers "gc" with the heap used after a GC. */
    public static final class ServerMain {
        public static void main(String[] argv) throws Exception {
            Args a = new Args(argv, 0);
            var started = TargetServer.start(a, 0, new PrintStream(java.io.OutputStream.nullOutputStream()));
            var server = started.server();
            System.out.println("port=" + server.port() + " pid=" + ProcessHandle.current().pid());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String cmd; (cmd = in.readLine()) != null; ) {
                if (cmd.equals("gc")) {
                    System.gc();
                    Thread.sleep(200);
                    System.gc();
                    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                    System.out.println("heap=" + heap.getUsed());
                    System.out.flush();
                }
            }
            server.close();
            TargetServer.deleteTree(started.dataDirectory());
            System.exit(0);
        }
    }

    /** Where this JVM's java binary is. */
    static final class Path {
        static String javaBinary() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}

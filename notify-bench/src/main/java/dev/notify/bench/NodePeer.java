package dev.notify.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * notify-bench/node/sse-server.js in a child process: the in-memory better-sse server that load
 * benchmarks run side by side with notify ({@code --node=node}, {@code --node-dir=notify-bench/node};
 * {@code npm ci} in that directory first).
 */
final class NodePeer implements AutoCloseable {
    final int port;
    final long pid;
    final String version;
    private final Process process;

    private NodePeer(Process process, int port, long pid, String version) {
        this.process = process;
        this.port = port;
        this.pid = pid;
        this.version = version;
    }

    static NodePeer start(Args args) throws IOException {
        String node = args.get("node", "node");
        Path dir = Path.of(args.get("node-dir", "notify-bench/node"));
        if (!Files.isDirectory(dir.resolve("node_modules").resolve("better-sse"))) {
            throw new IllegalStateException("better-sse is not installed: run npm ci in " + dir.toAbsolutePath());
        }
        Process p = new ProcessBuilder(List.of(node, dir.resolve("sse-server.js").toString(),
                "--heartbeat=" + args.get("heartbeat", "30"), "--secret=" + args.get("secret", TargetServer.DEFAULT_SECRET)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String hello = out.readLine();
        if (hello == null || !hello.startsWith("port=")) {
            p.destroyForcibly();
            throw new IllegalStateException("the Node server did not start: " + hello);
        }
        return new NodePeer(p, Integer.parseInt(hello.substring(5).split(" ")[0]),
                Long.parseLong(hello.split("pid=")[1].trim()), IdleBench.nodeVersion(node));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

package dev.notify.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone server ({@code dev.notify.server.NotifyServer}, the fat jar's main) in a child
 * JVM on this JVM's class path, configured by environment variables. It prints
 * {@code notify <version> listening on http://HOST:PORT} on start; {@link #start} waits for that line.
 * Its standard error goes to a log file beside the data, shown when something fails.
 */
final class ServerProcess {
    private static final Pattern LISTENING = Pattern.compile("notify(?: \\S+)? listening on http://[^:]+:(\\d+)");

    private final Process process;
    final int port;
    final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the server and waits (up to {@code startTimeoutSeconds}) until it listens.
     *
     * @param env      the server's {@code NOTIFY_*} and {@code EMAIL_*} settings (added to this process's environment)
     * @param jvmFlags extra JVM flags, e.g. {@code -Xmx256m}
     * @param log      where the child's standard error goes (appended)
     */
    static ServerProcess start(Map<String, String> env, List<String> jvmFlags, Path log, long startTimeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classPath());
        command.add("dev.notify.server.NotifyServer");
        command.add("serve");
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Files.createDirectories(log.getParent());
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the child died; the port future fails below
            }
            port.completeExceptionally(new IOException("the server exited before it listened"));
        }, "server-stdout-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            return new ServerProcess(p, port.get(startTimeoutSeconds, TimeUnit.SECONDS), log);
        } catch (Exception e) {
            p.destroyForcibly().waitFor();
            throw new IOException("server did not start within " + startTimeoutSeconds + " s (exit "
                    + (p.isAlive() ? "none" : p.exitValue()) + "); its log:\n" + tail(log), e);
        }
    }

    /**
     * The test class path when run by Maven Surefire (which may hand the JVM only a manifest jar),
     * else this JVM's class path (the notify-bench fat jar).
     */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * {@code kill -9}: {@link Process#destroyForcibly()} sends SIGKILL on Linux, so no shutdown hook,
     * finally block or buffered write of the child runs.
     *
     * @return the exit status, 137 (128 + SIGKILL) on Linux
     */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server " + process.pid() + " still alive 60 s after SIGKILL");
        }
        return process.exitValue();
    }

    /** The last lines of the child's log, for failure messages. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

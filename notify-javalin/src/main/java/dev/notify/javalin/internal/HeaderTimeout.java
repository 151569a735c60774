package dev.notify.javalin.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes HTTP/1 connections that take longer than a set time to send a request's header
 * ("slow loris": header lines trickled in, each resetting Jetty's idle timeout, so that idle
 * timeout alone never ends them), and connections that send no request at all within that time
 * after they were accepted. Jetty 12 has no such setting; this bean of the {@link Server} looks at
 * every connected endpoint {@value #SWEEPS_PER_TIMEOUT} times per timeout and closes those whose
 * parser has been inside the same request's header since before the timeout. A connection between
 * requests (keep-alive) or streaming a response is left to the idle timeout.
 *
 * <p>Closures are logged once a minute at most, with how many there were.
 */
public final class HeaderTimeout extends AbstractLifeCycle {
    private static final Logger log = LoggerFactory.getLogger(HeaderTimeout.class);
    /** How often a connection's state is looked at, per timeout. */
    static final int SWEEPS_PER_TIMEOUT = 4;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Server server;
    private final long timeoutNanos;
    /** Sweeper thread only: when each endpoint was first seen waiting for the header of its request number. */
    private final Map<EndPoint, long[]> waiting = new HashMap<>();
    private final AtomicLong closed = new AtomicLong();
    private long closedLogged;
    private long nextLogNanos = System.nanoTime();
    private ScheduledExecutorService sweeper;

    /** @param timeout how long a request's header may take to arrive, {@code > 0} */
    public HeaderTimeout(Server server, Duration timeout) {
        this.server = server;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Connections closed for taking too long over a request header, since start. */
    public long closedConnections() {
        return closed.get();
    }

    @Override
    protected void doStart() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notify-header-timeout");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), timeoutNanos / SWEEPS_PER_TIMEOUT);
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void doStop() {
        sweeper.shutdownNow();
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            Map<EndPoint, long[]> seen = new HashMap<>();
            for (Connector connector : server.getConnectors()) {
                for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                    Connection connection = endPoint.getConnection();
                    if (!(connection instanceof HttpConnection http) || !endPoint.isOpen()) {
                        continue;
                    }
                    HttpParser parser = http.getParser();
                    long requests = http.getMessagesIn();
                    boolean inHeader = parser.inHeaderState() && (!parser.isStart() || requests == 0);
                    if (!inHeader) {
                        continue;
                    }
                    long[] since = waiting.get(endPoint);
                    if (since == null || since[1] != requests) {
                        since = new long[] {now, requests};
                    }
                    if (now - since[0] >= timeoutNanos) {
                        closed.incrementAndGet();
                        endPoint.close();
                    } else {
                        seen.put(endPoint, since);
                    }
                }
            }
            waiting.clear();
            waiting.putAll(seen);
            report(now);
        } catch (RuntimeException e) {
            log.warn("header timeout sweep failed: {}", e.toString());
        }
    }

    private void report(long now) {
        long total = closed.get();
        if (total != closedLogged && now - nextLogNanos >= 0) {
            log.warn("closed {} connection(s) that sent no complete request header within {} ms",
                    total - closedLogged, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            closedLogged = total;
            nextLogNanos = now + LOG_INTERVAL_NANOS;
        }
    }
}

package dev.notify.javalin.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * <p>Under a flood the timeout shortens: while {@value #BUSY_WAITING} or more connections are
 * waiting on a header at once (legitimate clients send a header in one packet, so few ever are),
 * each may take at most {@link #BUSY_TIMEOUT} (or the set timeout, if shorter). That frees the
 * sockets (and the server's connection cap) for other clients within seconds rather than at the
 * normal timeout.
 *
 * <p>Closures are logged once a minute at most, with how many there were.
 */
public final class HeaderTimeout extends AbstractLifeCycle {
    private static final Logger log = LoggerFactory.getLogger(HeaderTimeout.class);
    /** How often a connection's state is looked at, per timeout. */
    static final int SWEEPS_PER_TIMEOUT = 4;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Connections waiting on a header at once from which {@link #BUSY_TIMEOUT} applies. */
    public static final int BUSY_WAITING = 64;
    /** The header timeout while {@value #BUSY_WAITING} or more connections wait on one: 2 s. */
    public static final Duration BUSY_TIMEOUT = Duration.ofSeconds(2);

    private final Server server;
    private final long timeoutNanos;
    private final long busyTimeoutNanos;
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
        this.busyTimeoutNanos = Math.min(timeoutNanos, BUSY_TIMEOUT.toNanos());
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
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), busyTimeoutNanos / SWEEPS_PER_TIMEOUT);
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
            List<EndPoint> late = new ArrayList<>();
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
                    seen.put(endPoint, since);
                    if (now - since[0] >= busyTimeoutNanos) {
                        late.add(endPoint);
                    }
                }
            }
            long limit = seen.size() >= BUSY_WAITING ? busyTimeoutNanos : timeoutNanos;
            for (EndPoint endPoint : late) {
                if (now - seen.get(endPoint)[0] >= limit) {
                    seen.remove(endPoint);
                    closed.incrementAndGet();
                    endPoint.close();
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
            log.warn("closed {} connection(s) that sent no complete request header in time ({} ms; {} ms while {}"
                    + " or more connections wait on one)", total - closedLogged,
                    TimeUnit.NANOSECONDS.toMillis(timeoutNanos), TimeUnit.NANOSECONDS.toMillis(busyTimeoutNanos),
                    BUSY_WAITING);
            closedLogged = total;
            nextLogNanos = now + LOG_INTERVAL_NANOS;
        }
    }
}

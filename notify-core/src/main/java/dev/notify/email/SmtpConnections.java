package dev.notify.email;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SMTP connections kept open for reuse, at most {@link SmtpSettings#poolSize()} of them. A sender
 * {@linkplain #acquire() takes} one (waiting while all are taken) and {@linkplain #release gives
 * it back}, or {@linkplain #discard discards} a broken one; one left idle for longer than the
 * keep-alive is closed by a background thread, and one that has carried
 * {@link SmtpSettings#maxMessagesPerConnection()} messages is closed when given back.
 *
 * <p>Idle time is measured with {@link System#nanoTime()}, not notify's clock: it is about real
 * sockets, and tests move notify's clock by hours.
 */
final class SmtpConnections implements AutoCloseable {
    private final Session session;
    private final SmtpSettings settings;
    private final long keepAliveNanos;
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final ScheduledThreadPoolExecutor reaper;
    private final AtomicLong opened = new AtomicLong();
    /** One permit per connection that may be taken: idle ones are reused before a new one opens. */
    private final Semaphore permits;
    private boolean closed;
    private boolean evictionScheduled;

    private record Idle(Connection connection, long since) {
    }

    SmtpConnections(SmtpSettings settings, Duration keepAlive) {
        this.settings = settings;
        this.session = Session.getInstance(sessionProperties(settings));
        this.keepAliveNanos = keepAlive.toNanos();
        this.permits = new Semaphore(settings.poolSize(), true);
        this.reaper = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "notify-email-idle");
            t.setDaemon(true);
            return t;
        });
        reaper.setRemoveOnCancelPolicy(true);
        reaper.setKeepAliveTime(1, TimeUnit.SECONDS);
        reaper.allowCoreThreadTimeOut(true);
    }

    /** The angus-mail session properties for these settings (no credentials: those go to connect). */
    static Properties sessionProperties(SmtpSettings s) {
        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", "smtp");
        p.setProperty("mail.smtp.host", s.host());
        p.setProperty("mail.smtp.port", Integer.toString(s.port()));
        p.setProperty("mail.smtp.connectiontimeout", Long.toString(s.connectTimeout().toMillis()));
        p.setProperty("mail.smtp.timeout", Long.toString(s.readTimeout().toMillis()));
        p.setProperty("mail.smtp.writetimeout", Long.toString(s.writeTimeout().toMillis()));
        p.setProperty("mail.smtp.auth", Boolean.toString(s.authenticates()));
        // STARTTLS is required when asked for: never fall back to sending the password in clear.
        p.setProperty("mail.smtp.starttls.enable", Boolean.toString(s.startTls()));
        p.setProperty("mail.smtp.starttls.required", Boolean.toString(s.startTls()));
        p.setProperty("mail.smtp.ssl.enable", Boolean.toString(s.ssl()));
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        p.setProperty("mail.smtp.from", s.fromAddress().getAddress());
        p.setProperty("mail.mime.charset", "UTF-8");
        return p;
    }

    Session session() {
        return session;
    }

    /** Connections opened so far, for tests and diagnostics. */
    long opened() {
        return opened.get();
    }

    /**
     * An open connection: an idle one that still answers {@code NOOP}, or a new one. Waits while
     * {@link SmtpSettings#poolSize()} connections are taken.
     *
     * @throws MessagingException if a new connection cannot be opened or authenticated
     */
    Connection acquire() throws MessagingException {
        takePermit();
        try {
            return reuseOrOpen();
        } catch (MessagingException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private void takePermit() throws MessagingException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MessagingException("interrupted while waiting for an SMTP connection", e);
        }
    }

    private Connection reuseOrOpen() throws MessagingException {
        for (;;) {
            Idle candidate;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the email channel is closed");
                }
                candidate = idle.pollFirst();
            }
            if (candidate == null) {
                return connect();
            }
            // isConnected() sends NOOP: a server that dropped the connection is found here.
            if (System.nanoTime() - candidate.since() < keepAliveNanos && candidate.connection().isAlive()) {
                return candidate.connection();
            }
            candidate.connection().close();
        }
    }

    /** Opens a new connection, bypassing the idle ones (still one of the pool's, given back or discarded). */
    Connection open() throws MessagingException {
        takePermit();
        try {
            return connect();
        } catch (MessagingException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private Connection connect() throws MessagingException {
        Transport transport = session.getTransport("smtp");
        transport.connect(settings.host(), settings.port(), settings.username().orElse(null),
                settings.authenticates() ? settings.password() : null);
        opened.incrementAndGet();
        return new Connection(transport);
    }

    /**
     * Gives a healthy connection back for reuse; one that has carried
     * {@link SmtpSettings#maxMessagesPerConnection()} messages is closed instead.
     */
    void release(Connection connection) {
        try {
            if (connection.sent() < settings.maxMessagesPerConnection()) {
                synchronized (this) {
                    if (!closed) {
                        idle.addFirst(new Idle(connection, System.nanoTime()));
                        scheduleEviction(keepAliveNanos);
                        return;
                    }
                }
            }
            connection.close();
        } finally {
            permits.release();
        }
    }

    /** Closes a connection taken from the pool that is broken, or not to be reused. */
    void discard(Connection connection) {
        try {
            connection.close();
        } finally {
            permits.release();
        }
    }

    private void scheduleEviction(long delayNanos) {
        if (!evictionScheduled) {
            evictionScheduled = true;
            reaper.schedule(this::evictExpired, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void evictExpired() {
        List<Connection> expired = new ArrayList<>();
        synchronized (this) {
            evictionScheduled = false;
            if (closed) {
                return;
            }
            long now = System.nanoTime();
            long nextDue = Long.MAX_VALUE;
            for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
                Idle i = it.next();
                long left = keepAliveNanos - (now - i.since());
                if (left <= 0) {
                    it.remove();
                    expired.add(i.connection());
                } else {
                    nextDue = Math.min(nextDue, left);
                }
            }
            if (!idle.isEmpty()) {
                scheduleEviction(nextDue);
            }
        }
        expired.forEach(Connection::close);
    }

    /** Idle connections right now, for tests. */
    synchronized int idleCount() {
        return idle.size();
    }

    @Override
    public void close() {
        List<Idle> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
        }
        reaper.shutdownNow();
        toClose.forEach(i -> i.connection().close());
    }

    /** One SMTP connection; used by one thread at a time. */
    static final class Connection {
        private final Transport transport;
        private long sent;

        private Connection(Transport transport) {
            this.transport = transport;
        }

        void send(MimeMessage message, Address[] recipients) throws MessagingException {
            transport.sendMessage(message, recipients);
            sent++;
        }

        /** Whether the connection has carried as many messages as one may ({@link SmtpSettings#maxMessagesPerConnection()}). */
        boolean spent(int max) {
            return sent >= max;
        }

        /** Messages accepted over this connection since it was opened. */
        long sent() {
            return sent;
        }

        boolean isAlive() {
            return transport.isConnected();
        }

        /** Sends QUIT and closes; never throws. */
        void close() {
            try {
                transport.close();
            } catch (MessagingException | RuntimeException e) {
                // The socket is closed either way; nothing to do.
            }
        }
    }
}

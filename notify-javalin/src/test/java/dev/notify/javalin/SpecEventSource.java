package dev.notify.javalin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An EventSource that behaves as the HTML Living Standard says (section 9.2, "Server-sent events"),
 * for what matters to resumption, and nothing notify-specific: it parses the event stream
 * (9.2.6: lines end in CR, LF or CRLF; "field: value" with one leading space dropped; {@code id}
 * without NUL sets the last event ID buffer; {@code retry} of digits sets the reconnection time),
 * dispatches on a blank line after setting the last event ID string from the buffer (even when the
 * event has no data), and when a 200 stream ends it reconnects by itself after the reconnection
 * time, sending {@code Last-Event-ID} when its last event ID string is not empty (9.2.3). A
 * non-200 answer fails the source for good, as the standard says.
 *
 * <p>For tests, {@link #holdReconnects()} makes it wait before its next reconnect until
 * {@link #releaseReconnect()}, like a network that is down for a while.
 */
final class SpecEventSource implements AutoCloseable {
    record Event(String type, String lastEventId, String data) {
    }

    final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Connections that answered 200, the first included. */
    final AtomicInteger connections = new AtomicInteger();
    /** Completes when the source fails for good (a non-200 answer or an I/O error on connect). */
    final CountDownLatch failed = new CountDownLatch(1);
    private final HttpClient http;
    private final URI url;
    private final Thread thread;
    /** While set, the next reconnect waits for it. */
    private volatile CountDownLatch reconnectGate;
    private volatile boolean waiting;
    private volatile boolean closed;
    private volatile InputStreamReader current;
    private String lastEventId = "";
    private long reconnectionMillis = 3000;

    SpecEventSource(HttpClient http, String url) {
        this.http = http;
        this.url = URI.create(url);
        this.thread = new Thread(this::run, "spec-event-source");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The next reconnect waits for {@link #releaseReconnect()}. */
    void holdReconnects() {
        reconnectGate = new CountDownLatch(1);
    }

    void releaseReconnect() {
        CountDownLatch gate = reconnectGate;
        reconnectGate = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    /** Whether the stream has dropped and its reconnect waits for {@link #releaseReconnect()}. */
    boolean waitingToReconnect() {
        return waiting;
    }

    private void run() {
        try {
            while (!closed) {
                HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept", "text/event-stream")
                        .header("Cache-Control", "no-cache");
                if (!lastEventId.isEmpty()) {
                    request.header("Last-Event-ID", lastEventId);
                }
                HttpResponse<java.io.InputStream> response = http.send(request.GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    response.body().close();
                    failed.countDown();
                    return;
                }
                connections.incrementAndGet();
                try (InputStreamReader reader = new InputStreamReader(response.body(), StandardCharsets.UTF_8)) {
                    current = reader;
                    read(new BufferedReader(reader));
                } catch (IOException dropped) {
                    // the connection ended abruptly: reconnect, as for a clean end
                }
                if (closed) {
                    return;
                }
                // 9.2.3 "reestablish the connection": wait the reconnection time, then reconnect.
                CountDownLatch gate = reconnectGate;
                if (gate != null) {
                    waiting = true;
                    gate.await();
                    waiting = false;
                }
                if (reconnectionMillis > 0) {
                    TimeUnit.MILLISECONDS.sleep(reconnectionMillis);
                }
            }
        } catch (IOException e) {
            failed.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 9.2.6: reads lines (a BufferedReader ends them at CR, LF or CRLF, as the standard does). */
    private void read(BufferedReader in) throws IOException {
        String eventType = "";
        StringBuilder data = new StringBuilder();
        String idBuffer = lastEventId;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isEmpty()) {
                // Dispatch: the last event ID string is set first, whether or not there is data.
                lastEventId = idBuffer;
                if (data.length() > 0) {
                    String value = data.substring(0, data.length() - 1);
                    events.add(new Event(eventType.isEmpty() ? "message" : eventType, lastEventId, value));
                }
                eventType = "";
                data.setLength(0);
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> eventType = value;
                case "data" -> data.append(value).append('\n');
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        idBuffer = value;
                    }
                }
                case "retry" -> {
                    if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                        reconnectionMillis = Long.parseLong(value);
                    }
                }
                default -> {
                    // ignored, as the standard says
                }
            }
        }
        // The stream ended: an event without its blank line is discarded (9.2.6).
    }

    @Override
    public void close() {
        closed = true;
        releaseReconnect();
        InputStreamReader reader = current;
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        thread.interrupt();
    }
}

package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads an SSE stream line by line on its own thread and parses frames as the HTML standard's
 * event-stream format says (id, event, data; a blank line dispatches).
 */
final class SseTestClient implements AutoCloseable {

    record Event(String id, String event, String data, long receivedNanos) {
        Map<String, Object> json() {
            return Json.readObject(data);
        }
    }

    final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final HttpResponse<Stream<String>> response;
    private final Thread reader;

    /** The values of the {@code retry:} fields received, in order. */
    final List<String> retries = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SseTestClient(HttpResponse<Stream<String>> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-test-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    static SseTestClient open(HttpClient http, String url, String token, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        try {
            HttpResponse<Stream<String>> response = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).as("SSE status").isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            return new SseTestClient(response);
        } catch (Exception e) {
            throw new AssertionError("cannot open SSE stream", e);
        }
    }

    private void read() {
        String id = null;
        String event = null;
        StringBuilder data = null;
        try (Stream<String> lines = response.body()) {
            for (var it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, event == null ? "message" : event, data.toString(), System.nanoTime()));
                    }
                    id = null;
                    event = null;
                    data = null;
                } else if (line.startsWith("retry: ")) {
                    retries.add(line.substring(7));
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
            ended.complete(null);
        } catch (RuntimeException e) {
            ended.complete(null);
        }
    }

    /** The next event of the given name, skipping others (e.g. heartbeats); fails after the timeout. */
    Event next(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e;
            try {
                e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
            if (e == null) {
                throw new AssertionError("no '" + name + "' event within " + timeout);
            }
            if (e.event().equals(name)) {
                return e;
            }
        }
    }

    /** Takes {@code count} events of the given name, in order. */
    List<Event> next(String name, int count, Duration timeout) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(next(name, timeout));
        }
        return out;
    }

    /** Events of the given name already received and not yet taken. */
    List<Event> drain(String name) {
        List<Event> all = new ArrayList<>();
        events.drainTo(all);
        return all.stream().filter(e -> e.event().equals(name)).toList();
    }

    @Override
    public void close() {
        response.body().close();
        reader.interrupt();
    }
}

package dev.notify.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many SSE connections on one selector thread: the load generator side, cheap enough not to be
 * the bottleneck (one thread, one small buffer per connection). Requests are raw HTTP/1.1 GETs;
 * the response is read line by line, so chunked-encoding size lines simply show up as lines
 * the listener ignores.
 */
final class SseClients implements IdleClients {
    /** Called on the selector thread for every line of every stream. */
    interface Listener {
        void line(int connection, String line);
    }

    private final InetSocketAddress server;
    private final List<InetAddress> sources;
    private final Listener listener;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Conn> pending = new ConcurrentLinkedQueue<>();
    private final List<Conn> all = new ArrayList<>();
    final AtomicInteger established = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger heartbeats = new AtomicInteger();
    private volatile boolean running = true;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

    private static final class Conn {
        final int index;
        final String request;
        SocketChannel channel;
        final StringBuilder line = new StringBuilder();
        boolean greeted;

        Conn(int index, String request) {
            this.index = index;
            this.request = request;
        }
    }

    SseClients(InetSocketAddress server, List<InetAddress> sources, Listener listener) throws IOException {
        this.server = server;
        this.sources = sources;
        this.listener = listener;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "sse-clients");
        thread.setDaemon(true);
        thread.start();
    }

    /** Opens one stream for {@code pathAndQuery}; returns its index. */
    @Override
    public synchronized int open(String pathAndQuery) {
        int index = all.size();
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
        Conn c = new Conn(index, request);
        all.add(c);
        pending.add(c);
        selector.wakeup();
        return index;
    }

    int opened() {
        return all.size();
    }

    /** Waits while more than {@code max} streams are connecting (so the server's accept queue never overflows), up to 30 s. */
    @Override
    public void throttle(int max) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (opened() - established.get() - errors.get() - closed.get() > max && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    @Override
    public int established() {
        return established.get();
    }

    @Override
    public int errors() {
        return errors.get();
    }

    @Override
    public int closed() {
        return closed.get();
    }

    @Override
    public int heartbeats() {
        return heartbeats.get();
    }

    private void loop() {
        while (running) {
            try {
                selector.select(100);
                for (Conn c; (c = pending.poll()) != null; ) {
                    connect(c);
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Conn c = (Conn) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            c.channel.finishConnect();
                            sendRequest(c);
                            key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isReadable()) {
                            read(key, c);
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        key.cancel();
                        closeQuietly(c);
                    }
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            }
        }
    }

    private void connect(Conn c) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 8192);
            ch.bind(new InetSocketAddress(sources.get(c.index % sources.size()), 0));
            ch.configureBlocking(false);
            c.channel = ch;
            if (ch.connect(server)) {
                sendRequest(c);
                ch.register(selector, SelectionKey.OP_READ, c);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            errors.incrementAndGet();
            closeQuietly(c);
        }
    }

    private static void sendRequest(Conn c) throws IOException {
        ByteBuffer req = ByteBuffer.wrap(c.request.getBytes(StandardCharsets.US_ASCII));
        while (req.hasRemaining()) {
            c.channel.write(req);
        }
    }

    private void read(SelectionKey key, Conn c) throws IOException {
        buffer.clear();
        int n = c.channel.read(buffer);
        if (n < 0) {
            key.cancel();
            closeQuietly(c);
            closed.incrementAndGet();
            return;
        }
        buffer.flip();
        // Frames are ASCII apart from JSON text; decode per byte run as UTF-8 at line ends.
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                c.line.append(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                emit(c);
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            c.line.append(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
    }

    private void emit(Conn c) {
        int len = c.line.length();
        if (len > 0 && c.line.charAt(len - 1) == '\r') {
            c.line.setLength(len - 1);
        }
        String line = c.line.toString();
        c.line.setLength(0);
        // "event: x" and "event:x" are the same field (one optional space after the colon).
        if (line.startsWith("event:")) {
            String event = line.startsWith("event: ") ? line.substring(7) : line.substring(6);
            if (!c.greeted && event.equals("connection_established")) {
                c.greeted = true;
                established.incrementAndGet();
            } else if (event.equals("heartbeat")) {
                heartbeats.incrementAndGet();
            }
        }
        listener.line(c.index, line);
    }

    private static void closeQuietly(Conn c) {
        try {
            if (c.channel != null) {
                c.channel.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (Conn c : all) {
                closeQuietly(c);
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

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
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many WebSocket connections on one selector thread, the WebSocket twin of {@link SseClients}:
 * a raw HTTP/1.1 upgrade (RFC 6455 section 4.1), then frames read by hand. The first text
 * message containing {@code connection_established} counts the connection as established; every
 * ping counts as a heartbeat and is answered with a pong carrying its payload (section 5.5.3),
 * as browsers do. Text messages after the greeting are ignored.
 */
final class WsClients implements IdleClients {
    private final InetSocketAddress server;
    private final List<InetAddress> sources;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Conn> pending = new ConcurrentLinkedQueue<>();
    private final List<Conn> all = new ArrayList<>();
    private final AtomicInteger established = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicInteger heartbeats = new AtomicInteger();
    private volatile boolean running = true;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

    private static final class Conn {
        final int index;
        final String request;
        SocketChannel channel;
        /** Bytes received and not yet parsed. */
        byte[] data = new byte[256];
        int length;
        boolean upgraded;
        boolean greeted;

        Conn(int index, String request) {
            this.index = index;
            this.request = request;
        }
    }

    WsClients(InetSocketAddress server, List<InetAddress> sources) throws IOException {
        this.server = server;
        this.sources = sources;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "ws-clients");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized int open(String pathAndQuery) {
        int index = all.size();
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(key) + "\r\n\r\n";
        Conn c = new Conn(index, request);
        all.add(c);
        pending.add(c);
        selector.wakeup();
        return index;
    }

    private synchronized int opened() {
        return all.size();
    }

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
                            write(c, c.request.getBytes(StandardCharsets.US_ASCII));
                            key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isReadable()) {
                            read(key, c);
                        }
                    } catch (IOException | RuntimeException e) {
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
                write(c, c.request.getBytes(StandardCharsets.US_ASCII));
                ch.register(selector, SelectionKey.OP_READ, c);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            errors.incrementAndGet();
            closeQuietly(c);
        }
    }

    /** Small writes only (the request, pongs): loops until the socket took everything. */
    private static void write(Conn c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.channel.write(b);
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
        if (c.length + n > c.data.length) {
            c.data = Arrays.copyOf(c.data, Math.max(c.data.length * 2, c.length + n));
        }
        buffer.get(c.data, c.length, n);
        c.length += n;
        int used = c.upgraded ? 0 : handshake(c);
        if (!c.upgraded) {
            return;
        }
        while (true) {
            int frame = frame(key, c, used);
            if (frame == 0) {
                break;
            }
            used += frame;
        }
        System.arraycopy(c.data, used, c.data, 0, c.length - used);
        c.length -= used;
    }

    /** Consumes the 101 response once it is complete; returns the bytes it used. */
    private static int handshake(Conn c) throws IOException {
        for (int i = 3; i < c.length; i++) {
            if (c.data[i] == '\n' && c.data[i - 1] == '\r' && c.data[i - 2] == '\n' && c.data[i - 3] == '\r') {
                String head = new String(c.data, 0, i + 1, StandardCharsets.ISO_8859_1);
                if (!head.startsWith("HTTP/1.1 101")) {
                    throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(""));
                }
                c.upgraded = true;
                return i + 1;
            }
        }
        return 0;
    }

    /** Handles one complete frame starting at {@code at}; returns its size, or 0 if it is not all here yet. */
    private int frame(SelectionKey key, Conn c, int at) throws IOException {
        int available = c.length - at;
        if (available < 2) {
            return 0;
        }
        int opcode = c.data[at] & 0x0F;
        long len = c.data[at + 1] & 0x7F;
        int header = 2;
        if (len == 126) {
            if (available < 4) {
                return 0;
            }
            len = ((c.data[at + 2] & 0xFF) << 8) | (c.data[at + 3] & 0xFF);
            header = 4;
        } else if (len == 127) {
            if (available < 10) {
                return 0;
            }
            len = ByteBuffer.wrap(c.data, at + 2, 8).getLong();
            header = 10;
        }
        if ((c.data[at + 1] & 0x80) != 0) {
            throw new IOException("server frames must not be masked");
        }
        if (available < header + len) {
            return 0;
        }
        int payload = at + header;
        switch (opcode) {
            case 0x1 -> {
                if (!c.greeted && new String(c.data, payload, (int) len, StandardCharsets.UTF_8)
                        .contains("\"connection_established\"")) {
                    c.greeted = true;
                    established.incrementAndGet();
                }
            }
            case 0x9 -> {
                heartbeats.incrementAndGet();
                pong(c, Arrays.copyOfRange(c.data, payload, payload + (int) len));
            }
            case 0x8 -> {
                key.cancel();
                closeQuietly(c);
                closed.incrementAndGet();
            }
            default -> {
                // continuation, binary, pong: not expected, ignored
            }
        }
        return header + (int) len;
    }

    /** A client frame is masked (RFC 6455 section 5.3); the payload of a ping is at most 125 bytes. */
    private static void pong(Conn c, byte[] payload) throws IOException {
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x8A;
        frame[1] = (byte) (0x80 | payload.length);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        write(c, frame);
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

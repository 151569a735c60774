package dev.notify.email;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted SMTP server speaking just enough of RFC 5321 to make angus-mail meet the replies
 * GreenMail does not give: a 5xx or 4xx to {@code RCPT TO} or after {@code DATA}, a refusing
 * greeting, rejected credentials, a connection closed after a few messages. It is a real peer
 * on a real socket, so the channel's own protocol handling is what gets tested.
 */
final class FakeSmtpServer implements AutoCloseable {
    static final String OK = "250 2.1.5 OK";

    /** The greeting; anything but 220 is sent and the connection closed. */
    volatile String greeting = "220 fake.test ESMTP";
    /** The reply to {@code RCPT TO:<address>}, by address. */
    volatile Function<String, String> rcptReply = address -> OK;
    /** The reply after the message data. */
    volatile String dataReply = "250 2.0.0 queued";
    /** Null: no AUTH offered. Else AUTH PLAIN/LOGIN is offered and answered with this. */
    volatile String authReply;
    /** Close each connection after this many accepted messages; 0 never. */
    volatile int closeAfterMessages;

    /** Accepted messages, as raw RFC 5322 text. */
    final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    /** Sessions ended by the client's QUIT. */
    final AtomicInteger quits = new AtomicInteger();
    /** Messages being received right now (between DATA and its reply), and the most at once. */
    private final AtomicInteger inData = new AtomicInteger();
    final AtomicInteger peakInData = new AtomicInteger();
    /** A pause before each DATA reply, in milliseconds, as a server a network hop away. */
    volatile int dataDelayMillis;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-smtp");
        t.setDaemon(true);
        return t;
    });

    FakeSmtpServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))) {
            OutputStream out = socket.getOutputStream();
            String hello = greeting;
            reply(out, hello);
            if (!hello.startsWith("220")) {
                return;
            }
            int accepted = 0;
            for (String line; (line = in.readLine()) != null; ) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO")) {
                    reply(out, authReply == null ? "250 fake.test" : "250-fake.test\r\n250 AUTH PLAIN LOGIN");
                } else if (command.startsWith("HELO")) {
                    reply(out, "250 fake.test");
                } else if (command.startsWith("AUTH")) {
                    authenticate(command, in, out);
                } else if (command.startsWith("MAIL FROM")) {
                    reply(out, "250 2.1.0 OK");
                } else if (command.startsWith("RCPT TO")) {
                    String address = line.substring(line.indexOf('<') + 1, line.lastIndexOf('>'));
                    reply(out, rcptReply.apply(address));
                } else if (command.equals("DATA")) {
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    peakInData.accumulateAndGet(inData.incrementAndGet(), Math::max);
                    StringBuilder data = new StringBuilder();
                    for (String d; (d = in.readLine()) != null && !d.equals("."); ) {
                        data.append(d.startsWith("..") ? d.substring(1) : d).append("\r\n");
                    }
                    String answer = dataReply;
                    pause(dataDelayMillis);
                    inData.decrementAndGet();
                    if (answer.startsWith("250")) {
                        messages.add(data.toString());
                        accepted++;
                    }
                    reply(out, answer);
                    if (closeAfterMessages > 0 && accepted >= closeAfterMessages) {
                        return;
                    }
                } else if (command.equals("RSET") || command.equals("NOOP")) {
                    reply(out, "250 2.0.0 OK");
                } else if (command.equals("QUIT")) {
                    quits.incrementAndGet();
                    reply(out, "221 2.0.0 bye");
                    return;
                } else {
                    reply(out, "500 5.5.1 unknown command");
                }
            }
        } catch (IOException e) {
            // The client went away.
        } finally {
            open.remove(socket);
        }
    }

    private static void pause(int millis) throws IOException {
        if (millis > 0) {
            try {
                Thread.sleep(millis); // the peer's own latency, not a test waiting for a condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private void authenticate(String command, BufferedReader in, OutputStream out) throws IOException {
        if (command.startsWith("AUTH LOGIN")) {
            reply(out, "334 VXNlcm5hbWU6");
            in.readLine();
            reply(out, "334 UGFzc3dvcmQ6");
            in.readLine();
        } else if (command.trim().equals("AUTH PLAIN")) {
            reply(out, "334 ");
            in.readLine();
        }
        reply(out, authReply);
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}

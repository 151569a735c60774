package dev.notify.bench;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP sink on loopback speaking just enough RFC 5321 for angus-mail, answering each command
 * in one write as real servers do (adapted from notify-core's FakeSmtpServer test peer). It
 * counts accepted messages and connections and keeps nothing. With a TLS context it also offers
 * {@code STARTTLS} (RFC 3207) and {@code AUTH PLAIN}/{@code LOGIN} (RFC 4954, any credentials
 * accepted), so that a new connection costs what it costs against a real submission server: a TLS
 * handshake and an authentication.
 */
final class SmtpSink implements AutoCloseable {
    final AtomicInteger messages = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocket server;
    private final SSLContext tls;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "smtp-sink");
        t.setDaemon(true);
        return t;
    });

    SmtpSink() throws IOException {
        this(0);
    }

    /** A sink on a given loopback port (0: any free one), e.g. the port of a sink closed earlier. */
    SmtpSink(int port) throws IOException {
        this(port, null);
    }

    /** A sink that offers STARTTLS with {@code tls} and requires AUTH (null: plain, no AUTH). */
    SmtpSink(int port, SSLContext tls) throws IOException {
        this.tls = tls;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.incrementAndGet();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        Socket socket = plain;
        try {
            BufferedReader in = reader(socket);
            OutputStream out = socket.getOutputStream();
            boolean secured = false;
            reply(out, "220 sink.test ESMTP");
            for (String line; (line = in.readLine()) != null; ) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    reply(out, tls == null ? "250 sink.test" : secured ? "250-sink.test\r\n250 AUTH PLAIN LOGIN"
                            : "250-sink.test\r\n250 STARTTLS");
                } else if (command.equals("STARTTLS") && tls != null && !secured) {
                    reply(out, "220 2.0.0 ready to start TLS");
                    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket,
                            socket.getInetAddress().getHostAddress(), socket.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    socket = ssl;
                    open.add(ssl);
                    in = reader(ssl);
                    out = ssl.getOutputStream();
                    secured = true;
                } else if (command.startsWith("AUTH PLAIN")) {
                    if (command.trim().equals("AUTH PLAIN")) {
                        reply(out, "334 ");
                        in.readLine();
                    }
                    reply(out, "235 2.7.0 authenticated");
                } else if (command.startsWith("AUTH LOGIN")) {
                    reply(out, "334 VXNlcm5hbWU6");
                    in.readLine();
                    reply(out, "334 UGFzc3dvcmQ6");
                    in.readLine();
                    reply(out, "235 2.7.0 authenticated");
                } else if (command.startsWith("MAIL FROM")) {
                    reply(out, "250 2.1.0 OK");
                } else if (command.startsWith("RCPT TO")) {
                    reply(out, "250 2.1.5 OK");
                } else if (command.equals("DATA")) {
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    for (String d; (d = in.readLine()) != null && !d.equals("."); ) {
                        // discard
                    }
                    messages.incrementAndGet();
                    reply(out, "250 2.0.0 queued");
                } else if (command.equals("RSET") || command.equals("NOOP")) {
                    reply(out, "250 2.0.0 OK");
                } else if (command.equals("QUIT")) {
                    reply(out, "221 2.0.0 bye");
                    return;
                } else {
                    reply(out, "500 5.5.1 unknown command");
                }
            }
        } catch (IOException e) {
            // client went away
        } finally {
            open.remove(plain);
            open.remove(socket);
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
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

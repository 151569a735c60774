package dev.notify.bench;

import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A loopback push service speaking HTTP/2 over TLS (ALPN {@code h2}, falling back to HTTP/1.1 for
 * clients that do not offer it), as the big push services do: reads each message to the end and
 * answers {@code 201 Created}.
 */
final class Http2PushService implements AutoCloseable {
    /** Requests per protocol version and connections seen, e.g. {@code HTTP/2.0}: how clients spoke to it. */
    final java.util.Map<String, AtomicInteger> protocols = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Set<String> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Server server;
    private final ServerConnector connector;

    Http2PushService(KeyStore keyStore, AtomicInteger accepted) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 4);
        threads.setName("push-service");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // clients connect to 127.0.0.1, no SNI
        config.addCustomizer(secure);
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(config);
        http2.setMaxConcurrentStreams(256);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http1.getProtocol());
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore);
        ssl.setKeyStorePassword("changeit");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        connector = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, http2, http1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                protocols.computeIfAbsent(request.getConnectionMetaData().getProtocol(), p -> new AtomicInteger())
                        .incrementAndGet();
                connections.add(request.getConnectionMetaData().getId());
                Content.Source.consumeAll(request, Callback.from(() -> {
                    accepted.incrementAndGet();
                    response.setStatus(201);
                    response.getHeaders().put(HttpHeader.LOCATION, "https://push.test/m/1");
                    response.write(true, null, callback);
                }, callback::failed));
                return true;
            }
        });
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}

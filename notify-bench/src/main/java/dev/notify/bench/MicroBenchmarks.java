package dev.notify.bench;

import dev.notify.Notification;
import dev.notify.Priority;
import dev.notify.json.Json;
import dev.notify.javalin.JwtAuthenticator;
import dev.notify.push.PushProbe;
import dev.notify.template.Rendered;
import dev.notify.template.Template;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * (7) Hot paths, one JMH benchmark each: the SSE frame of one notification, HS256 JWT
 * verification (every stream open and API call), aes128gcm push encryption (one per push
 * message), and template rendering (one per send with a template).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MicroBenchmarks {
    private Notification notification;
    private JwtAuthenticator jwt;
    private String token;
    private PushProbe push;
    private byte[] p256dh;
    private byte[] auth;
    private byte[] payload;
    private Template template;
    private Map<String, Object> params;

    @Setup
    public void setUp() throws Exception {
        notification = new Notification(123456, "user-4711", 98765, "order_shipped", "Order #1042 shipped",
                "Your order #1042 left the warehouse and arrives on Thursday.", Map.of("order_id", 1042,
                "carrier", "DHL"), "https://app.example.com/orders/1042", Priority.NORMAL,
                Instant.parse("2026-11-02T09:00:00Z"), null);
        jwt = JwtAuthenticator.hs256("bench-secret-bench-secret-bench-secret-0123");
        token = jwt.issue("user-4711", Set.of("read"), Duration.ofHours(1));
        push = new PushProbe();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair browser = g.generateKeyPair();
        p256dh = uncompressed((ECPublicKey) browser.getPublic());
        auth = new byte[16];
        new SecureRandom().nextBytes(auth);
        payload = Json.write(Json.notificationView(notification)).getBytes(StandardCharsets.UTF_8);
        template = Template.builder("order_shipped")
                .locale(Locale.ENGLISH, Template.Parts.of("Order #{{order_id}} shipped",
                        "Hi {{name}}, your order #{{order_id}} left the warehouse and arrives on {{day}}.")
                        .withEmail("Your order #{{order_id}} is on its way",
                                "Hi {{name}},\n\nyour order #{{order_id}} left the warehouse.\nIt arrives on {{day}}.",
                                null))
                .build();
        params = Map.of("order_id", 1042, "name", "Ada <Lovelace>", "day", "Thursday");
    }

    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        copy(key.getW().getAffineX().toByteArray(), out, 1);
        copy(key.getW().getAffineY().toByteArray(), out, 33);
        return out;
    }

    private static void copy(byte[] coordinate, byte[] out, int at) {
        int len = Math.min(coordinate.length, 32);
        System.arraycopy(coordinate, coordinate.length - len, out, at + 32 - len, len);
    }

    /** The bytes SseSink writes for one notification (same steps as SseSink.frame, which is package-private). */
    @Benchmark
    public byte[] sseFrameEncode() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("id: ").append(notification.seq()).append('\n');
        sb.append("event: ").append("notification").append('\n');
        sb.append("data: ").append(Json.write(Json.notificationView(notification))).append("\n\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public Object jwtVerifyHs256() {
        return jwt.authenticate(token);
    }

    @Benchmark
    public byte[] pushEncryptAes128gcm() {
        return push.encrypt(p256dh, auth, payload);
    }

    @Benchmark
    public Rendered templateRender() {
        return template.render(params, Locale.ENGLISH);
    }
}

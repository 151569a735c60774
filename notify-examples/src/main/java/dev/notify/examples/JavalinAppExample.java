package dev.notify.examples;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.javalin.JwtAuthenticator;
import dev.notify.javalin.NotifyPlugin;
import io.javalin.Javalin;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.NotFoundResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An existing Javalin 7 application, a small shop with its own {@code /orders} routes, that mounts
 * {@link NotifyPlugin} next to them: every new order notifies the user {@value #MANAGER} (type
 * {@value #NEW_ORDER}), who reads it from {@code GET /api/v1/notifications} or receives it live
 * from {@code GET /api/v1/notifications/sse/stream}.
 *
 * <p>The shop's own routes are open, to keep the example short; notify's routes need a JWT whose
 * {@code sub} is the user id.
 */
public final class JavalinAppExample {
    /** The user who hears about new orders. */
    public static final String MANAGER = "manager";
    /** The notification type of a new order. */
    public static final String NEW_ORDER = "new_order";
    /** Port of {@link #main} when none is given. */
    public static final int DEFAULT_PORT = 7070;

    private JavalinAppExample() {
    }

    /** An order as the shop stores and returns it. */
    public record Order(long id, String customer, String item, int quantity) {
    }

    /** The body of {@code POST /orders}; {@code quantity} defaults to 1. */
    public record NewOrder(String customer, String item, Integer quantity) {
    }

    /**
     * Starts the shop with notify mounted. The caller owns {@code notify} and closes it after
     * stopping the returned app.
     *
     * @param notify    the notify instance to serve and to send with
     * @param jwtSecret HS256 secret for notify's tokens, at least 32 bytes
     * @param port      the HTTP port, 0 for any free one ({@link Javalin#port()} tells which)
     * @return the started app
     * @throws IllegalArgumentException if the secret is too short
     */
    public static Javalin start(Notify notify, String jwtSecret, int port) {
        Orders orders = new Orders();
        // README:javalin:start
        Javalin app = Javalin.create(config -> {
            config.routes.get("/orders", ctx -> ctx.json(orders.all()));
            config.routes.get("/orders/{id}", ctx -> ctx.json(orders.get(ctx.pathParam("id"))));
            config.routes.post("/orders", ctx -> {
                Order order = orders.add(ctx.bodyAsClass(NewOrder.class));
                notify.send(SendRequest.to("manager").type("new_order")
                        .title("New order #" + order.id() + ": " + order.quantity() + " x " + order.item())
                        .data(Map.of("order_id", order.id())).link("/orders/" + order.id()).build());
                ctx.status(201).json(order);
            });
            config.registerPlugin(new NotifyPlugin(plugin -> {
                plugin.notify = notify;
                plugin.authenticator = JwtAuthenticator.hs256(jwtSecret);
            }));
        });
        // README:javalin:end
        return app.start(port);
    }

    /**
     * Starts the shop on an H2 file database in {@code ./notify-data-example} and prints a token
     * for {@value #MANAGER}. The JWT secret comes from {@code NOTIFY_JWT_SECRET}, else a random
     * one is made for this run.
     *
     * @param args optionally the port, default {@value #DEFAULT_PORT}
     */
    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        String secret = System.getenv("NOTIFY_JWT_SECRET");
        if (secret == null || secret.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }
        Notify notify = Notify.builder()
                .jdbcUrl("jdbc:h2:file:" + EmbeddedExample.DATA_DIRECTORY.resolve("javalin-app").toAbsolutePath())
                .build();
        Javalin app;
        try {
            app = start(notify, secret, port);
        } catch (RuntimeException e) {
            notify.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Closing notify first ends open SSE streams, so that stopping Jetty does not wait on them.
            notify.close();
            app.stop();
        }, "shop-shutdown"));
        String token = JwtAuthenticator.hs256(secret).issue(MANAGER, Set.of(), Duration.ofHours(1));
        String base = "http://localhost:" + app.port();
        System.out.println("shop listening on " + base);
        System.out.println("  place an order:   curl -X POST " + base + "/orders -H 'Content-Type: application/json'"
                + " -d '{\"customer\":\"ACME\",\"item\":\"Widget\",\"quantity\":3}'");
        System.out.println("  manager's inbox:  curl -H 'Authorization: Bearer " + token + "' " + base
                + "/api/v1/notifications");
        System.out.println("  live stream:      curl -N '" + base + "/api/v1/notifications/sse/stream?token="
                + token + "'");
    }

    /** The shop's own data: orders in memory, validated as they are placed. */
    static final class Orders {
        private final Map<Long, Order> byId = new ConcurrentSkipListMap<>();
        private final AtomicLong ids = new AtomicLong();

        List<Order> all() {
            return List.copyOf(byId.values());
        }

        /** @throws NotFoundResponse (404) if there is no such order */
        Order get(String id) {
            Order order = null;
            try {
                order = byId.get(Long.parseLong(id));
            } catch (NumberFormatException ignored) {
                // reported as not found below
            }
            if (order == null) {
                throw new NotFoundResponse("no order '" + id + "'");
            }
            return order;
        }

        /** @throws BadRequestResponse (400) if the item is missing or the quantity below 1 */
        Order add(NewOrder request) {
            if (request == null || request.item() == null || request.item().isBlank()) {
                throw new BadRequestResponse("item is required");
            }
            int quantity = request.quantity() == null ? 1 : request.quantity();
            if (quantity < 1) {
                throw new BadRequestResponse("quantity must be >= 1 but was " + quantity);
            }
            String customer = request.customer() == null || request.customer().isBlank() ? "anonymous" : request.customer();
            Order order = new Order(ids.incrementAndGet(), customer, request.item().strip(), quantity);
            byId.put(order.id(), order);
            return order;
        }
    }
}

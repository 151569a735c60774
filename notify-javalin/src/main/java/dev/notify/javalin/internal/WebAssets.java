package dev.notify.javalin.internal;

import dev.notify.javalin.NotifyPluginConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The web inbox page and the JS client, served from the jar (no CDN, so the page works offline).
 * Each asset is read once at start, with an {@code ETag}; responses say
 * {@code Cache-Control: no-cache}, so browsers revalidate and get 304 until the jar changes.
 *
 * <p>The JS client may be imported by pages of any origin (an ES module import is a CORS
 * request). The page itself is same-origin only: its Content-Security-Policy allows nothing but
 * this server, and {@code Referrer-Policy: no-referrer} keeps a {@code ?token=} in its URL from
 * leaking through links.
 */
public final class WebAssets {
    /** Where the JS client is served. */
    public static final String CLIENT_PATH = "/notify-client.js";
    static final String PAGE_SCRIPT_PATH = "/notify-inbox.js";
    static final String PAGE_STYLE_PATH = "/notify-inbox.css";
    /** The Web Push service worker; at the root so that its scope covers every page. */
    public static final String SERVICE_WORKER_PATH = "/sw.js";
    private static final String RESOURCES = "/dev/notify/javalin/web/";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType, String etag) {
    }

    private final NotifyPluginConfig config;

    public WebAssets(NotifyPluginConfig config) {
        this.config = config;
    }

    public void mount(RoutesConfig routes) {
        String page = read("index.html")
                .replace("{{api_path}}", Html.escape(config.basePath))
                .replace("{{ws_path}}", Html.escape(config.wsPath == null ? "" : config.wsPath));
        Asset html = asset(page.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        Asset client = asset(bytes("notify-client.js"), "text/javascript; charset=utf-8");
        Asset script = asset(bytes("notify-inbox.js"), "text/javascript; charset=utf-8");
        Asset style = asset(bytes("notify-inbox.css"), "text/css; charset=utf-8");
        Asset worker = asset(bytes("sw.js"), "text/javascript; charset=utf-8");
        routes.get(config.webPath, ctx -> {
            ctx.header("Content-Security-Policy", PAGE_POLICY);
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("X-Frame-Options", "DENY");
            serve(ctx, html);
        });
        routes.get(CLIENT_PATH, ctx -> {
            ctx.header("Access-Control-Allow-Origin", "*");
            ctx.header("Cross-Origin-Resource-Policy", "cross-origin");
            serve(ctx, client);
        });
        routes.get(PAGE_SCRIPT_PATH, ctx -> serve(ctx, script));
        routes.get(PAGE_STYLE_PATH, ctx -> serve(ctx, style));
        routes.get(SERVICE_WORKER_PATH, ctx -> serve(ctx, worker));
    }

    private static void serve(Context ctx, Asset asset) {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", asset.etag());
        ctx.header("X-Content-Type-Options", "nosniff");
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.contains(asset.etag().substring(2)) || ifNoneMatch.trim().equals("*"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType()).result(asset.bytes());
    }

    private static Asset asset(byte[] bytes, String contentType) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            String tag = Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
            // Weak: Javalin may compress the body, and a strong tag would then name different bytes.
            return new Asset(bytes, contentType, "W/\"" + tag + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static String read(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String name) {
        try (InputStream in = WebAssets.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCES + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + RESOURCES + name, e);
        }
    }
}

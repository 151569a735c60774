package dev.notify.javalin.internal;

import dev.notify.LanguageTags;
import dev.notify.Notify;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import dev.notify.template.Rendered;
import dev.notify.template.Template;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Calls for publishers (scope {@code publish} or {@code admin}): template previews
 * ({@code GET {templatesPath}/{name}/preview?locale=}) and topic membership
 * ({@code GET {topicsPath}/{topic}/members}, {@code PUT|DELETE {topicsPath}/{topic}/members/{user_id}}).
 */
public final class PublisherApi {
    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;

    public PublisherApi(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        if (config.templatesPath != null) {
            routes.get(config.templatesPath, http.guarded(this::listTemplates));
            routes.get(config.templatesPath + "/{name}/preview", http.guarded(this::preview));
        }
        if (config.topicsPath != null) {
            routes.get(config.topicsPath + "/{topic}/members", http.guarded(this::members));
            routes.put(config.topicsPath + "/{topic}/members/{user_id}", http.guarded(this::subscribe));
            routes.delete(config.topicsPath + "/{topic}/members/{user_id}", http.guarded(this::unsubscribe));
        }
    }

    private void listTemplates(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        Http.json(ctx, 200, Map.of("templates", notify.templates().names()));
    }

    private void preview(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String name = ctx.pathParam("name");
        Template template = notify.templates().find(name)
                .orElseThrow(() -> new dev.notify.NotFoundException("no template named '" + name + "'"));
        Locale locale = LanguageTags.require("locale", ctx.queryParam("locale"));
        Rendered r = template.preview(locale);
        Http.json(ctx, 200, view(r));
    }

    /** The JSON of a rendered template: every channel's text. */
    static Map<String, Object> view(Rendered r) {
        Template t = r.template();
        var body = new LinkedHashMap<String, Object>();
        body.put("template", t.name());
        body.put("type", t.type());
        body.put("category", t.category());
        body.put("required", t.required());
        body.put("escalate_after", t.escalateAfter().map(Object::toString).orElse(null));
        body.put("locale", r.locale().toLanguageTag());
        body.put("sample", t.sample());
        body.put("in_app", Map.of("title", r.inApp().title(), "message", r.inApp().message()));
        body.put("email", Map.of("subject", r.email().subject(), "text", r.email().text(), "html", r.email().html()));
        body.put("push", Map.of("title", r.push().title(), "body", r.push().body()));
        // Any other channel's own part (e.g. sms), as title, body and html (null when none).
        r.parts().forEach((channel, part) -> {
            if (!body.containsKey(channel)) {
                var p = new LinkedHashMap<String, Object>();
                p.put("title", part.title());
                p.put("body", part.body());
                p.put("html", part.html());
                body.put(channel, p);
            }
        });
        return body;
    }

    private void members(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String topic = ctx.pathParam("topic");
        Http.json(ctx, 200, Map.of("topic", topic, "members", notify.topics().members(topic)));
    }

    private void subscribe(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        notify.topics().subscribe(ctx.pathParam("topic"), ctx.pathParam("user_id"));
        ctx.status(204);
    }

    private void unsubscribe(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String topic = ctx.pathParam("topic");
        String userId = ctx.pathParam("user_id");
        if (!notify.topics().unsubscribe(topic, userId)) {
            throw new dev.notify.NotFoundException("'" + userId + "' is not a member of topic '" + topic + "'");
        }
        ctx.status(204);
    }
}

package dev.notify.internal.pipeline;

import dev.notify.Notification;
import dev.notify.Preferences;
import dev.notify.Recipient;
import dev.notify.RecipientDirectory;
import dev.notify.internal.DigestStore;
import dev.notify.internal.OutboxService;
import dev.notify.internal.OutboxStore;
import dev.notify.outbox.Delivery;
import dev.notify.template.Rendered;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Re-checks a delivery when it comes due, on an outbox worker: an escalation of a notification
 * read (or deleted) meanwhile is dropped, and so is a delivery the recipient has switched off
 * since it was queued (unless its template is {@code required}). A digest row collects its
 * notifications and is rendered here, from the registry's {@value #DIGEST_TEMPLATE} template or
 * the built-in one.
 */
public final class DeliveryDecider implements OutboxService.Gate {
    /** The name of the template digests are rendered from. */
    public static final String DIGEST_TEMPLATE = "digest";

    /** The digest template used when the registry has none. */
    public static final Template DEFAULT_DIGEST = Template.builder(DIGEST_TEMPLATE)
            .locale(Locale.ENGLISH, Template.Parts.of("{{count}} new {{category}} notifications", "")
                    .withEmail("Your {{frequency}} {{category}} digest: {{count}} new",
                            "{{#items}}- {{title}}{{#message}}: {{message}}{{/message}}\n{{/items}}",
                            "<ul>\n{{#items}}<li><b>{{title}}</b>{{#message}}: {{message}}{{/message}}</li>\n{{/items}}</ul>"))
            .build();

    private final OutboxStore outbox;
    private final DigestStore digests;
    private final Preferences preferences;
    private final RecipientDirectory directory;
    private final TemplateRegistry templates;

    public DeliveryDecider(OutboxStore outbox, DigestStore digests, Preferences preferences,
                           RecipientDirectory directory, TemplateRegistry templates) {
        this.outbox = outbox;
        this.digests = digests;
        this.preferences = preferences;
        this.directory = directory;
        this.templates = templates;
    }

    @Override
    public OutboxService.Decision decide(Delivery d, OutboxStore.Rules rules) {
        Notification n = d.notification();
        if (rules.escalation() && outbox.readOrDeleted(n.id())) {
            return OutboxService.Decision.drop("read before escalation");
        }
        if (!rules.required() && !preferences.allows(n.recipient(), d.channel(), n.type(), rules.category())) {
            return OutboxService.Decision.drop("recipient turned off " + d.channel() + " for " + n.type()
                    + (rules.category() == null ? "" : " (category " + rules.category() + ")"));
        }
        if (rules.digest() != null) {
            return digest(d, rules.digest());
        }
        return OutboxService.Decision.deliver(d);
    }

    private OutboxService.Decision digest(Delivery d, OutboxStore.Digest digest) {
        Notification n = d.notification();
        List<DigestStore.Item> items = digests.collect(d.outboxId(), n.recipient(), digest.category(),
                digest.periodEnd());
        if (items.isEmpty()) {
            return OutboxService.Decision.drop("empty digest: its notifications were deleted");
        }
        List<Map<String, Object>> views = new ArrayList<>();
        for (DigestStore.Item item : items) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", item.notificationId());
            v.put("type", item.type());
            v.put("title", item.title());
            v.put("message", item.message());
            v.put("link", item.link() == null ? "" : item.link());
            v.put("created_at", item.createdAt().toString());
            views.add(v);
        }
        Map<String, Object> params = Map.of("category", digest.category(), "frequency", digest.frequency(),
                "count", items.size(), "items", views, "period_end", digest.periodEnd().toString());
        Locale locale = directory.find(n.recipient()).map(Recipient::locale).orElse(null);
        Rendered r = templates.find(DIGEST_TEMPLATE).orElse(DEFAULT_DIGEST).render(params, locale);
        Notification shown = new Notification(n.id(), n.recipient(), n.seq(), "digest", r.inApp().title(),
                r.inApp().message(), Map.of("category", digest.category(), "count", items.size()), null, n.priority(),
                n.createdAt(), null);
        return OutboxService.Decision.deliver(new Delivery(d.outboxId(), d.channel(), d.destination(), shown,
                d.attempt(), r.part(d.channel())));
    }
}

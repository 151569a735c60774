package dev.notify.internal.pipeline;

import dev.notify.DigestFrequency;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.QuietHours;
import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.internal.DigestStore;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.OutboxStore;
import dev.notify.internal.PreferenceSnapshot;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.template.Rendered;
import dev.notify.template.Template;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Plans a send: a pure function of the request, its template, the recipients' profiles, their
 * preferences and the configured channels. It reads no database and keeps no state, so the same
 * inputs give the same plan; the only code it calls out to is each channel's
 * {@link DeliveryChannel#destinations}.
 *
 * <p>Per recipient: the template is rendered in the request's locale, else the profile's, else
 * the template's default (once per distinct locale). Per channel: nothing when the recipient opted
 * out of the type or the template's category on it (unless the template is {@code required});
 * else one delivery per destination, folded into the recipient's digest when the channel
 * {@linkplain DeliveryChannel#takesDigests() takes digests} and the recipient receives the
 * category as a digest; else due after the template's escalation delay when the channel
 * {@linkplain DeliveryChannel#takesEscalation() takes escalation}, moved to the end of the
 * recipient's quiet hours when it falls inside them (not for {@code required} templates).
 */
public final class SendPlanner {
    private SendPlanner() {
    }

    /**
     * @param request  the request, recipients resolved (a topic's members already added)
     * @param template the request's template, or null for literal text
     * @param profiles the recipients' profiles by user id; absent for unknown users
     * @param prefs    the recipients' preferences
     * @param channels the configured out-of-band channels, in configuration order
     * @param now      the send time
     * @throws InvalidRequestException if the template renders a title or message out of bounds,
     *                                 or {@link dev.notify.template.MissingParametersException}
     */
    public static SendPlan plan(SendRequest request, Template template, Map<String, Recipient> profiles,
                                PreferenceSnapshot prefs, Collection<DeliveryChannel> channels, Instant now) {
        Map<String, JdbiNotificationStore.Content> contents = new HashMap<>();
        Map<String, Rendered> rendered = new HashMap<>();
        if (template != null) {
            Map<Locale, Rendered> byLocale = new HashMap<>();
            for (String recipient : request.recipients()) {
                Recipient profile = profiles.get(recipient);
                Locale locale = request.locale() != null ? request.locale()
                        : profile == null ? null : profile.locale();
                Rendered one = byLocale.computeIfAbsent(template.resolveLocale(locale),
                        l -> checked(template, template.render(request.params(), l)));
                rendered.put(recipient, one);
                contents.put(recipient, new JdbiNotificationStore.Content(template.type(), one.inApp().title(),
                        one.inApp().message(), template.category()));
            }
        }
        if (channels.isEmpty()) {
            return new SendPlan(request, contents, Map.of(), Map.of());
        }
        String type = template != null ? template.type() : request.type();
        String category = template != null ? template.category() : null;
        boolean required = template != null && template.required();
        Duration escalateAfter = template != null ? template.escalateAfter().orElse(null) : null;
        Map<String, List<OutboxStore.Planned>> deliveries = new HashMap<>();
        Map<String, List<DigestStore.Planned>> digests = new HashMap<>();
        for (String recipient : request.recipients()) {
            Recipient profile = profiles.get(recipient);
            DeliveryTarget target = new DeliveryTarget(recipient, Optional.ofNullable(profile), request);
            QuietHours quiet = required ? null : prefs.quietHoursOf(recipient);
            ZoneId zone = profile == null ? null : profile.timeZone();
            // Digests and escalation both need a template (a category to digest, a delay to wait).
            DigestFrequency digest = template != null && !required && escalateAfter == null
                    ? prefs.digest(recipient, category) : DigestFrequency.IMMEDIATE;
            List<OutboxStore.Planned> planned = new ArrayList<>();
            for (DeliveryChannel channel : channels) {
                if (!required && !prefs.allows(recipient, channel.name(), type, category)) {
                    continue;
                }
                List<String> destinations = channel.destinations(target);
                if (destinations.isEmpty()) {
                    continue;
                }
                if (digest != DigestFrequency.IMMEDIATE && channel.takesDigests()) {
                    List<DigestStore.Planned> folded = digests.computeIfAbsent(recipient, x -> new ArrayList<>());
                    for (String destination : destinations) {
                        folded.add(new DigestStore.Planned(channel.name(), category, destination, digest,
                                zone != null ? zone : ZoneOffset.UTC));
                    }
                    continue;
                }
                boolean escalation = escalateAfter != null && channel.takesEscalation();
                Instant due = escalation ? now.plus(escalateAfter) : now;
                if (quiet != null) {
                    due = quiet.endOfWindowContaining(due, zone).orElse(due);
                }
                for (String destination : destinations) {
                    planned.add(new OutboxStore.Planned(channel.name(), destination, due.equals(now) ? null : due,
                            rendered.get(recipient), category, required, escalation));
                }
            }
            if (!planned.isEmpty()) {
                deliveries.put(recipient, planned);
            }
        }
        return new SendPlan(request, contents, deliveries, digests);
    }

    private static Rendered checked(Template template, Rendered r) {
        String title = r.inApp().title();
        if (title.isBlank() || title.length() > Limits.TITLE_MAX) {
            throw InvalidRequestException.field("title", "template '" + template.name() + "' (locale "
                    + r.locale().toLanguageTag() + ") rendered a title of " + title.strip().length()
                    + " characters; it must be 1 to " + Limits.TITLE_MAX);
        }
        if (r.inApp().message().length() > Limits.MESSAGE_MAX) {
            throw InvalidRequestException.field("message", "template '" + template.name() + "' rendered a message of "
                    + r.inApp().message().length() + " characters; at most " + Limits.MESSAGE_MAX + " are allowed");
        }
        return r;
    }
}

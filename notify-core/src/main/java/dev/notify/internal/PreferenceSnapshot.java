package dev.notify.internal;

import dev.notify.DigestFrequency;
import dev.notify.QuietHours;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The preferences of a set of recipients, read once before a send is planned: per-type and
 * per-category channel opt-outs, quiet hours and digest frequencies. Immutable; a recipient the
 * snapshot holds nothing for has no opt-outs, no quiet hours and every category immediate.
 *
 * @param typeOptOuts     recipient to channel to opted-out types ({@code *} for every type)
 * @param categoryOptOuts recipient to channel to opted-out template categories
 * @param quietHours      recipient to quiet-hours window
 * @param digests         recipient to category to frequency (never {@code IMMEDIATE})
 */
public record PreferenceSnapshot(Map<String, Map<String, Set<String>>> typeOptOuts,
                                 Map<String, Map<String, Set<String>>> categoryOptOuts,
                                 Map<String, QuietHours> quietHours,
                                 Map<String, Map<String, DigestFrequency>> digests) {
    /** Nobody has any preference. */
    public static final PreferenceSnapshot NONE = new PreferenceSnapshot(Map.of(), Map.of(), Map.of(), Map.of());

    public PreferenceSnapshot {
        typeOptOuts = Map.copyOf(typeOptOuts);
        categoryOptOuts = Map.copyOf(categoryOptOuts);
        quietHours = Map.copyOf(quietHours);
        digests = Map.copyOf(digests);
    }

    /** Whether the recipient takes {@code type} (of {@code category}, may be null) on {@code channel}. */
    public boolean allows(String recipient, String channel, String type, String category) {
        Set<String> types = typeOptOuts.getOrDefault(recipient, Map.of()).get(channel);
        if (types != null && (types.contains(type) || types.contains("*"))) {
            return false;
        }
        if (category == null) {
            return true;
        }
        Set<String> categories = categoryOptOuts.getOrDefault(recipient, Map.of()).get(channel);
        return categories == null || !categories.contains(category);
    }

    /** The recipient's quiet hours, or null. */
    public QuietHours quietHoursOf(String recipient) {
        return quietHours.get(recipient);
    }

    /** How often the recipient takes {@code category}; {@code IMMEDIATE} unless set. */
    public DigestFrequency digest(String recipient, String category) {
        Objects.requireNonNull(category, "category");
        return digests.getOrDefault(recipient, Map.of()).getOrDefault(category, DigestFrequency.IMMEDIATE);
    }
}

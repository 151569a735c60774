package dev.notify;

import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Optional;

/**
 * Language tags as notify accepts them everywhere (recipient profiles, send requests, template
 * files and previews): well-formed BCP 47 (RFC 5646) with a 2- or 3-letter language, such as
 * {@code en}, {@code fr-CA} or {@code es-419}.
 */
public final class LanguageTags {
    private LanguageTags() {
    }

    /** The locale of {@code tag}, or empty when it is null, malformed or has no 2- or 3-letter language. */
    public static Optional<Locale> parse(String tag) {
        if (tag == null) {
            return Optional.empty();
        }
        try {
            Locale locale = new Locale.Builder().setLanguageTag(tag.strip()).build();
            int length = locale.getLanguage().length();
            return length == 2 || length == 3 ? Optional.of(locale) : Optional.empty();
        } catch (IllformedLocaleException e) {
            return Optional.empty();
        }
    }

    /**
     * The locale of {@code tag}, or null for a null or blank tag.
     *
     * @param field the request field that holds the tag, for the error
     * @throws InvalidRequestException code {@code invalid_<field>} for anything {@link #parse} refuses
     */
    public static Locale require(String field, String tag) {
        if (tag == null || tag.isBlank()) {
            return null;
        }
        return parse(tag).orElseThrow(() -> InvalidRequestException.field(field,
                "'" + tag + "' is not a BCP 47 language tag such as en or fr-CA"));
    }
}

package dev.notify.template;

import dev.notify.InvalidRequestException;
import java.util.List;
import java.util.Locale;

/**
 * A render lacked parameters its template uses: code {@code missing_parameters}, HTTP 400.
 * Thrown before anything is stored. The message names the template, the locale rendered and
 * every missing parameter, sorted, e.g. {@code template 'low_stock_alert' (locale fr) is missing
 * parameters: current_stock, item_name}. A parameter present with a null value counts as
 * missing; a nested one is named by its full path ({@code order.id}).
 */
public class MissingParametersException extends InvalidRequestException {
    /** The code of this error. */
    public static final String CODE = "missing_parameters";

    private final String template;
    private final Locale locale;
    private final List<String> missing;

    /**
     * @param template the template's name
     * @param locale   the locale that was rendered (after fallback)
     * @param missing  the missing parameter names, at least one
     */
    public MissingParametersException(String template, Locale locale, List<String> missing) {
        super(CODE, "template '" + template + "' (locale " + locale.toLanguageTag() + ") is missing parameters: "
                + String.join(", ", missing.stream().sorted().toList()));
        this.template = template;
        this.locale = locale;
        this.missing = missing.stream().sorted().toList();
    }

    /** The template's name. */
    public String template() {
        return template;
    }

    /** The locale that was rendered. */
    public Locale locale() {
        return locale;
    }

    /** Every missing parameter name, sorted. */
    public List<String> missing() {
        return missing;
    }
}

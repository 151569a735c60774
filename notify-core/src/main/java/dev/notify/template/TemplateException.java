package dev.notify.template;

import dev.notify.NotifyException;

/**
 * A template definition is invalid: a file that is not JSON, a missing or mistyped field, a
 * malformed locale tag, a Mustache syntax error, a sample that lacks parameters, or two sources
 * defining the same name. Thrown while templates are loaded or built, never while rendering.
 * The message names where the definition came from (a file or URL, or {@code template 'name'}
 * for one built in code) and the field, as a dotted path in the file's own names, e.g.
 * {@code templates/low_stock_alert.json: locales.fr.email.html has an unclosed section 'items' on line 3}.
 */
public class TemplateException extends NotifyException {
    /** The code reported for every invalid template definition. */
    public static final String CODE = "invalid_template";

    private final String origin;
    private final String field;
    private final String problem;

    private TemplateException(String origin, String field, String problem, Throwable cause) {
        super(CODE, origin + ": " + (field == null ? "" : field + " ") + problem, cause);
        this.origin = origin;
        this.field = field;
        this.problem = problem;
    }

    /** The field {@code field} of the definition from {@code origin} is invalid. */
    public static TemplateException field(String origin, String field, String problem) {
        return new TemplateException(origin, field, problem, null);
    }

    /** The definition from {@code origin} as a whole cannot be used (unreadable, not JSON, ...). */
    public static TemplateException source(String origin, String problem, Throwable cause) {
        return new TemplateException(origin, null, problem, cause);
    }

    /** Where the definition came from: a file path, a URL, or {@code template 'name'}. */
    public String origin() {
        return origin;
    }

    /** The offending field as a dotted path such as {@code locales.en.title}, or null for the whole source. */
    public String field() {
        return field;
    }

    /** The same problem, reported against another origin (e.g. the file a definition was read from). */
    TemplateException withOrigin(String newOrigin) {
        return new TemplateException(newOrigin, field, problem, getCause());
    }
}

package dev.notify.template;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A named, parameterised notification: what it is ({@linkplain #type() type},
 * {@linkplain #category() category}, whether it is {@linkplain #required() required}), and its
 * text per channel and per locale as Mustache templates ({@link Parts}). Immutable; every part is
 * compiled once, when the template is built, and a syntax error is reported then.
 *
 * <p>Build one in code, or load it from a JSON file (see the {@linkplain dev.notify.template
 * package documentation} for the format):
 *
 * <pre>{@code
 * Template lowStock = Template.builder("low_stock_alert")
 *         .type("low_stock")
 *         .category("inventory")
 *         .locale(Locale.ENGLISH, Template.Parts.of("Low stock: {{item_name}}",
 *                         "Only {{current_stock}} left of {{item_name}}.")
 *                 .withEmail("Reorder {{item_name}}", null, "<p>Only <b>{{current_stock}}</b> left.</p>")
 *                 .withChannel("sms", new Template.ChannelPart(null, "{{item_name}}: {{current_stock}} left", null)))
 *         .sample(Map.of("item_name", "Printer paper", "current_stock", 3))
 *         .build();
 * Rendered r = lowStock.render(Map.of("item_name", "Coffee", "current_stock", 5), Locale.ENGLISH);
 * }</pre>
 *
 * <p>Rendering rules: a variable ({@code {{item_name}}}, {@code {{order.id}}}) whose value is
 * missing or null is an error ({@link MissingParametersException}), reported for all such
 * variables at once; a section ({@code {{#items}}...{{/items}}}) whose value is missing, false,
 * an empty list or an empty string is skipped, so sections double as optional parts. Values are
 * HTML-escaped in {@code html} parts only. Partials ({@code {{> name}}}) are not supported.
 */
public final class Template {
    /** Longest template name, type or category. */
    public static final int NAME_MAX = Limits.TYPE_MAX;
    /** The category of a template that names none. */
    public static final String DEFAULT_CATEGORY = "general";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_.:-]+");

    private final String name;
    private final String type;
    private final String category;
    private final boolean required;
    private final Locale defaultLocale;
    private final Map<Locale, Parts> locales;
    private final Duration escalateAfter;
    private final Map<String, Object> sample;
    private final Map<Locale, Compiled> compiled;
    private final List<dev.notify.NotificationAction> actions;
    /** Per action: its label, url (or null) and payload string values, compiled. */
    private final List<Map<String, com.samskivert.mustache.Template>> compiledActions;

    private Template(Builder b, String origin) {
        if (b.name == null || b.name.isBlank()) {
            throw TemplateException.field(origin, "name", "is required");
        }
        checkName(origin, "name", b.name, NAME, "letters, digits and _ . -, not starting with .");
        this.name = b.name;
        this.type = b.type == null ? b.name : b.type;
        checkName(origin, "type", type, TYPE, "letters, digits and _ . : -");
        this.category = b.category == null ? DEFAULT_CATEGORY : b.category;
        checkName(origin, "category", category, TYPE, "letters, digits and _ . : -");
        this.required = b.required;
        if (b.locales.isEmpty()) {
            throw TemplateException.field(origin, "locales", "must hold at least one locale");
        }
        this.locales = Collections.unmodifiableMap(new LinkedHashMap<>(b.locales));
        if (b.defaultLocale != null) {
            if (!locales.containsKey(b.defaultLocale)) {
                throw TemplateException.field(origin, "default_locale", "'" + b.defaultLocale.toLanguageTag()
                        + "' is not one of the locales: " + tags(locales.keySet()));
            }
            this.defaultLocale = b.defaultLocale;
        } else if (locales.size() == 1) {
            this.defaultLocale = locales.keySet().iterator().next();
        } else {
            throw TemplateException.field(origin, "default_locale",
                    "is required when there are several locales (" + tags(locales.keySet()) + ")");
        }
        if (b.escalateAfter != null && (b.escalateAfter.isNegative() || b.escalateAfter.isZero())) {
            throw TemplateException.field(origin, "escalate_after", "must be > 0 but was " + b.escalateAfter);
        }
        this.escalateAfter = b.escalateAfter;
        this.sample = b.sample == null ? Map.of() : freeze(b.sample);

        var compiledByLocale = new LinkedHashMap<Locale, Compiled>();
        for (var entry : locales.entrySet()) {
            compiledByLocale.put(entry.getKey(), new Compiled(origin, entry.getKey(), entry.getValue()));
        }
        this.compiled = Collections.unmodifiableMap(compiledByLocale);
        try {
            this.actions = dev.notify.NotificationAction.checkAll(b.actions);
        } catch (InvalidRequestException e) {
            throw TemplateException.field(origin, "actions", e.getMessage());
        }
        var compiledActions = new ArrayList<Map<String, com.samskivert.mustache.Template>>();
        for (int i = 0; i < actions.size(); i++) {
            dev.notify.NotificationAction a = actions.get(i);
            var parts = new LinkedHashMap<String, com.samskivert.mustache.Template>();
            String at = "actions." + i + ".";
            parts.put("label", Compiled.compile(origin, at + "label", a.label(), Mustaches.TEXT));
            if (a.url() != null) {
                parts.put("url", Compiled.compile(origin, at + "url", a.url(), Mustaches.TEXT));
            }
            a.payload().forEach((k, v) -> {
                if (v instanceof String text) {
                    parts.put("payload." + k, Compiled.compile(origin, at + "payload." + k, text, Mustaches.TEXT));
                }
            });
            compiledActions.add(Collections.unmodifiableMap(parts));
        }
        this.compiledActions = List.copyOf(compiledActions);

        if (!sample.isEmpty()) {
            for (Locale locale : locales.keySet()) {
                var missing = new Mustaches.Missing(false);
                try {
                    renderCompiled(locale, sample, missing);
                } catch (InvalidRequestException e) {
                    throw TemplateException.field(origin, "sample", "cannot be rendered: " + e.getMessage());
                }
                if (!missing.names.isEmpty()) {
                    throw TemplateException.field(origin, "sample", "lacks parameters used by locales."
                            + locale.toLanguageTag() + ": " + String.join(", ", missing.names));
                }
            }
        }
    }

    /** Starts a template called {@code name}: letters, digits and {@code _ . -}, at most {@value #NAME_MAX}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The name senders use, unique within a registry, e.g. {@code low_stock_alert}. */
    public String name() {
        return name;
    }

    /** The type of the notifications it produces, e.g. {@code low_stock}; defaults to the name. */
    public String type() {
        return type;
    }

    /** The preference and digest category, e.g. {@code inventory}; defaults to {@value #DEFAULT_CATEGORY}. */
    public String category() {
        return category;
    }

    /**
     * Whether notifications from this template bypass the recipient's opt-outs and quiet hours
     * (security alerts, for instance). This is only the flag; the send path enforces it.
     */
    public boolean required() {
        return required;
    }

    /** The locale rendered when neither the requested locale nor its language is defined. */
    public Locale defaultLocale() {
        return defaultLocale;
    }

    /** The parts per locale, in definition order; never empty, always holds {@link #defaultLocale()}. */
    public Map<Locale, Parts> locales() {
        return locales;
    }

    /**
     * For escalation: send the email only if the notification is still unread after this long.
     * Empty when the email goes out at once.
     */
    public Optional<Duration> escalateAfter() {
        return Optional.ofNullable(escalateAfter);
    }

    /** Sample parameters for previews (unmodifiable, possibly empty); when given, they cover every variable. */
    public Map<String, Object> sample() {
        return sample;
    }

    /**
     * The locale {@link #render} uses for {@code requested}: the exact locale if defined (e.g.
     * {@code fr-CA}), else its language and region without script or variant, else its language
     * ({@code fr}), else the {@linkplain #defaultLocale() default locale}.
     *
     * @param requested the recipient's locale, or null for the default
     */
    public Locale resolveLocale(Locale requested) {
        if (requested == null) {
            return defaultLocale;
        }
        var candidates = new LinkedHashSet<Locale>();
        candidates.add(requested);
        candidates.add(new Locale(requested.getLanguage(), requested.getCountry()));
        candidates.add(new Locale(requested.getLanguage()));
        for (Locale candidate : candidates) {
            if (locales.containsKey(candidate)) {
                return candidate;
            }
        }
        return defaultLocale;
    }

    /**
     * Renders every channel's text for one locale.
     *
     * @param params    values for the template's variables: maps, lists, records, beans and
     *                  scalars, as jmustache reads them; null means none
     * @param locale    the recipient's locale, resolved as {@link #resolveLocale} says; null for the default
     * @throws MissingParametersException naming every variable that is missing or null
     * @throws InvalidRequestException    code {@code invalid_parameters} when a value cannot be
     *                                    read (an accessor throws, for instance)
     */
    public Rendered render(Map<String, ?> params, Locale locale) {
        Locale resolved = resolveLocale(locale);
        var missing = new Mustaches.Missing(false);
        Rendered rendered = renderCompiled(resolved, params == null ? Map.of() : params, missing);
        if (!missing.names.isEmpty()) {
            throw new MissingParametersException(name, resolved, new ArrayList<>(missing.names));
        }
        return rendered;
    }

    /**
     * The actions this template gives each notification made from it, as declared (labels, URLs
     * and the string values of payloads may hold {@code {{variables}}}).
     */
    public List<dev.notify.NotificationAction> actions() {
        return actions;
    }

    /**
     * The {@linkplain #actions() actions} rendered with a send's parameters: labels, URLs and the
     * top-level string values of payloads; the same for every locale.
     *
     * @throws MissingParametersException naming every variable that is missing or null
     * @throws InvalidRequestException    if a rendered action breaks a rule (e.g. an empty label)
     */
    public List<dev.notify.NotificationAction> renderActions(Map<String, ?> params) {
        if (actions.isEmpty()) {
            return actions;
        }
        Map<String, ?> values = params == null ? Map.of() : params;
        var missing = new Mustaches.Missing(false);
        List<dev.notify.NotificationAction> rendered = Mustaches.collecting(missing, () -> {
            var out = new ArrayList<dev.notify.NotificationAction>(actions.size());
            for (int i = 0; i < actions.size(); i++) {
                dev.notify.NotificationAction a = actions.get(i);
                Map<String, com.samskivert.mustache.Template> parts = compiledActions.get(i);
                var payload = new LinkedHashMap<String, Object>(a.payload());
                parts.forEach((k, t) -> {
                    if (k.startsWith("payload.")) {
                        payload.put(k.substring("payload.".length()), t.execute(values));
                    }
                });
                out.add(new dev.notify.NotificationAction(a.id(), parts.get("label").execute(values), a.kind(),
                        parts.containsKey("url") ? parts.get("url").execute(values) : null, payload, a.style()));
            }
            return out;
        });
        if (!missing.names.isEmpty()) {
            throw new MissingParametersException(name, defaultLocale, new ArrayList<>(missing.names));
        }
        return rendered;
    }

    /**
     * Renders every channel's text with the {@linkplain #sample() sample} parameters, for a
     * preview. Never fails for a missing parameter: a variable the sample lacks (or every
     * variable, when there is no sample) is shown as {@code {{name}}}.
     *
     * @param locale resolved as {@link #resolveLocale} says; null for the default
     */
    public Rendered preview(Locale locale) {
        return renderCompiled(resolveLocale(locale), sample, new Mustaches.Missing(true));
    }

    /** The compiled parts for a defined locale; the same instance every time (for tests). */
    Object compiledParts(Locale locale) {
        return compiled.get(locale);
    }

    private Rendered renderCompiled(Locale locale, Map<String, ?> params, Mustaches.Missing missing) {
        Compiled parts = compiled.get(locale);
        try {
            return Mustaches.collecting(missing, () -> parts.render(this, locale, params));
        } catch (MustacheException e) {
            throw new InvalidRequestException("invalid_parameters",
                    "template '" + name + "' (locale " + locale.toLanguageTag() + ") could not render: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Template t && name.equals(t.name) && type.equals(t.type) && category.equals(t.category)
                && required == t.required && defaultLocale.equals(t.defaultLocale) && locales.equals(t.locales)
                && Objects.equals(escalateAfter, t.escalateAfter) && sample.equals(t.sample);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, category, required, defaultLocale, locales, escalateAfter, sample);
    }

    @Override
    public String toString() {
        return "Template[" + name + ", type=" + type + ", category=" + category + ", required=" + required
                + ", locales=" + tags(locales.keySet()) + ", default_locale=" + defaultLocale.toLanguageTag()
                + (escalateAfter == null ? "" : ", escalate_after=" + escalateAfter) + "]";
    }

    private static void checkName(String origin, String field, String value, Pattern pattern, String allowed) {
        if (value.isBlank()) {
            throw TemplateException.field(origin, field, "must not be blank");
        }
        if (value.length() > NAME_MAX) {
            throw TemplateException.field(origin, field,
                    "must be at most " + NAME_MAX + " characters but was " + value.length());
        }
        if (!pattern.matcher(value).matches()) {
            throw TemplateException.field(origin, field, "may hold only " + allowed + " but was '" + value + "'");
        }
    }

    private static String tags(Set<Locale> locales) {
        return String.join(", ", locales.stream().map(Locale::toLanguageTag).toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> freeze(Map<String, ?> map) {
        var copy = new LinkedHashMap<String, Object>();
        map.forEach((k, v) -> copy.put(k, freezeValue(v)));
        return Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object freezeValue(Object value) {
        if (value instanceof Map<?, ?> m) {
            return freeze((Map<String, ?>) m);
        }
        if (value instanceof List<?> list) {
            var copy = new ArrayList<>();
            list.forEach(v -> copy.add(freezeValue(v)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /**
     * The Mustache source of one locale's text: the in-app {@code title} and {@code message}
     * (the {@value Rendered#IN_APP} part), and a part per channel that needs text of its own,
     * keyed by channel name ({@code email}, {@code push}, {@code sms}, any channel's name). A
     * channel without a part gets the in-app title and message; within a part, a null title or
     * body falls back to the in-app title or message. Only {@code title} is required.
     *
     * @param title    in-app title, not blank
     * @param message  in-app message; null is taken as empty
     * @param channels parts by channel name: lower-case letters, digits, {@code _} and {@code -},
     *                 at most 32 characters, not {@value Rendered#IN_APP}; null for none
     */
    public record Parts(String title, String message, Map<String, ChannelPart> channels) {
        private static final Pattern CHANNEL = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

        public Parts {
            message = message == null ? "" : message;
            var copy = new LinkedHashMap<String, ChannelPart>();
            if (channels != null) {
                channels.forEach((name, part) -> {
                    if (name == null || !CHANNEL.matcher(name).matches() || name.equals(Rendered.IN_APP)) {
                        throw new IllegalArgumentException("a channel part must be named like a channel (lower-case"
                                + " letters, digits, _ and -, at most 32, not in_app) but was '" + name + "'");
                    }
                    copy.put(name, Objects.requireNonNull(part, "part"));
                });
            }
            channels = Collections.unmodifiableMap(copy);
        }

        /** The in-app title and message; every channel falls back to them. */
        public static Parts of(String title, String message) {
            return new Parts(title, message, Map.of());
        }

        /** These parts with {@code channel}'s part set (replacing any). */
        public Parts withChannel(String channel, ChannelPart part) {
            var copy = new LinkedHashMap<>(channels);
            copy.put(channel, part);
            return new Parts(title, message, copy);
        }

        /** These parts with the {@code email} part: subject, text and HTML, each may be null to fall back. */
        public Parts withEmail(String subject, String text, String html) {
            return withChannel("email", new ChannelPart(subject, text, html));
        }

        /** These parts with the {@code push} part: title and body, each may be null to fall back. */
        public Parts withPush(String title, String body) {
            return withChannel("push", new ChannelPart(title, body, null));
        }
    }

    /**
     * The Mustache source of one channel's text.
     *
     * @param title a one-line heading (the email subject, a push title), or null for the in-app title
     * @param body  plain text (the email text body, a push body, an SMS), or null for the in-app message
     * @param html  an HTML body, values HTML-escaped, or null for none (email then wraps the body)
     */
    public record ChannelPart(String title, String body, String html) {
    }

    /** Builds a {@link Template}; see its accessors for the rules and defaults. */
    public static final class Builder {
        private final String name;
        private String type;
        private String category;
        private boolean required;
        private Locale defaultLocale;
        private final Map<Locale, Parts> locales = new LinkedHashMap<>();
        private Duration escalateAfter;
        private Map<String, ?> sample;
        private final List<dev.notify.NotificationAction> actions = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** The notification type; defaults to the template's name. */
        public Builder type(String type) {
            this.type = type;
            return this;
        }

        /** The preference and digest category; defaults to {@value Template#DEFAULT_CATEGORY}. */
        public Builder category(String category) {
            this.category = category;
            return this;
        }

        /** Whether the template bypasses opt-outs and quiet hours; defaults to false. */
        public Builder required(boolean required) {
            this.required = required;
            return this;
        }

        /** The fallback locale; may be omitted when there is only one locale. */
        public Builder defaultLocale(Locale defaultLocale) {
            this.defaultLocale = defaultLocale;
            return this;
        }

        /** Adds (or replaces) the parts for {@code locale}, e.g. {@code Locale.FRENCH} or {@code Locale.forLanguageTag("fr-CA")}. */
        public Builder locale(Locale locale, Parts parts) {
            locales.put(Objects.requireNonNull(locale, "locale"), Objects.requireNonNull(parts, "parts"));
            return this;
        }

        /** Email only if still unread after this long (> 0); null for at once, the default. */
        public Builder escalateAfter(Duration escalateAfter) {
            this.escalateAfter = escalateAfter;
            return this;
        }

        /**
         * Adds an action (at most {@value dev.notify.NotificationAction#MAX_PER_NOTIFICATION}) that every
         * notification made from this template carries, unless the send gives its own. Its label,
         * URL and payload string values may use the template's {@code {{variables}}}.
         */
        public Builder action(dev.notify.NotificationAction action) {
            actions.add(Objects.requireNonNull(action, "action"));
            return this;
        }

        /** Sample parameters for previews; when given, they must cover every variable of every locale. */
        public Builder sample(Map<String, ?> sample) {
            this.sample = sample;
            return this;
        }

        /**
         * Validates and compiles the template.
         *
         * @throws TemplateException naming the first invalid field, as a dotted path in the file
         *                           format's names (e.g. {@code locales.fr.email.html})
         */
        public Template build() {
            return build("template '" + name + "'");
        }

        /** As {@link #build()}, with errors reported against {@code origin} (the file it came from). */
        Template build(String origin) {
            return new Template(this, origin);
        }
    }

    /** One locale's parts, compiled. Fallback parts share the compiled template they fall back to. */
    private static final class Compiled {
        private final com.samskivert.mustache.Template title;
        private final com.samskivert.mustache.Template message;
        private final Map<String, CompiledPart> channels = new LinkedHashMap<>();

        private record CompiledPart(com.samskivert.mustache.Template title, com.samskivert.mustache.Template body,
                                    com.samskivert.mustache.Template html) {
        }

        Compiled(String origin, Locale locale, Parts parts) {
            String at = "locales." + locale.toLanguageTag() + ".";
            if (parts.title() == null || parts.title().isBlank()) {
                throw TemplateException.field(origin, at + "title", "is required");
            }
            title = compile(origin, at + "title", parts.title(), Mustaches.TEXT);
            message = compile(origin, at + "message", parts.message(), Mustaches.TEXT);
            parts.channels().forEach((name, part) -> {
                // The file format names the email part's fields subject and text.
                boolean email = name.equals("email");
                String c = at + name + ".";
                channels.put(name, new CompiledPart(
                        part.title() == null ? title
                                : compile(origin, c + (email ? "subject" : "title"), part.title(), Mustaches.TEXT),
                        part.body() == null ? message
                                : compile(origin, c + (email ? "text" : "body"), part.body(), Mustaches.TEXT),
                        part.html() == null ? null : compile(origin, c + "html", part.html(), Mustaches.HTML)));
            });
        }

        Rendered render(Template template, Locale locale, Map<String, ?> params) {
            // Each compiled template once, so a fallback part costs nothing more.
            var done = new IdentityHashMap<com.samskivert.mustache.Template, String>();
            Function<com.samskivert.mustache.Template, String> run =
                    t -> done.computeIfAbsent(t, x -> x.execute(params));
            var rendered = new LinkedHashMap<String, Rendered.Part>();
            channels.forEach((name, part) -> rendered.put(name, new Rendered.Part(Rendered.Part.oneLine(
                    run.apply(part.title())), run.apply(part.body()),
                    part.html() == null ? null : run.apply(part.html()))));
            return new Rendered(template, locale, new Rendered.InApp(run.apply(title), run.apply(message)), rendered);
        }

        static com.samskivert.mustache.Template compile(String origin, String field, String source,
                Mustache.Compiler compiler) {
            com.samskivert.mustache.Template compiled;
            try {
                compiled = compiler.compile(source);
            } catch (MustacheException e) {
                throw TemplateException.field(origin, field, "is not a valid Mustache template: " + e.getMessage());
            }
            compiled.visit(new Mustache.Visitor() {
                @Override
                public void visitText(String text) {
                }

                @Override
                public void visitVariable(String name) {
                }

                @Override
                public boolean visitInclude(String name) {
                    throw TemplateException.field(origin, field,
                            "uses the partial {{> " + name + "}} but partials are not supported");
                }

                @Override
                public boolean visitParent(String name) {
                    throw TemplateException.field(origin, field,
                            "uses the parent {{< " + name + "}} but template inheritance is not supported");
                }

                @Override
                public boolean visitSection(String name) {
                    return true;
                }

                @Override
                public boolean visitInvertedSection(String name) {
                    return true;
                }
            });
            return compiled;
        }
    }
}

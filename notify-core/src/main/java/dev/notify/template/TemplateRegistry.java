package dev.notify.template;

import dev.notify.InvalidRequestException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The templates an application sends from, by name. Built once from one or more
 * {@link TemplateSource}s, then immutable and safe to share between threads; every template is
 * validated and compiled while the registry is built, so a bad file stops start-up rather than a
 * send.
 *
 * <pre>{@code
 * TemplateRegistry templates = TemplateRegistry.builder()
 *         .classpath("notify/templates")                // shipped with the application
 *         .directory(Path.of("/etc/myapp/templates"))   // one <name>.json per template
 *         .template(Template.builder("welcome")
 *                 .locale(Locale.ENGLISH, Template.Parts.of("Welcome, {{name}}!", "Glad to have you."))
 *                 .build())
 *         .build();
 * Rendered r = templates.render("low_stock_alert",
 *         Map.of("item_name", "Coffee beans", "current_stock", 5, "unit", "kg", "reorder_level", 10),
 *         Locale.forLanguageTag("fr-CA"));
 * }</pre>
 */
public final class TemplateRegistry {
    /** Template names listed in an unknown-template message before it says "and N more". */
    private static final int NAMES_IN_MESSAGE = 20;

    private final Map<String, Template> templates;

    private TemplateRegistry(Map<String, Template> templates) {
        this.templates = Collections.unmodifiableMap(new TreeMap<>(templates));
    }

    /** Starts a registry; sources are loaded in the order they are added. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A registry of every template the sources hold.
     *
     * @throws TemplateException as {@link Builder#build()}
     */
    public static TemplateRegistry of(TemplateSource... sources) {
        Builder builder = builder();
        for (TemplateSource source : sources) {
            builder.source(source);
        }
        return builder.build();
    }

    /** The names of every template, sorted. */
    public Set<String> names() {
        return templates.keySet();
    }

    /** The template called {@code name}, if there is one. */
    public Optional<Template> find(String name) {
        return Optional.ofNullable(name == null ? null : templates.get(name));
    }

    /**
     * The template called {@code name}.
     *
     * @throws InvalidRequestException code {@code unknown_template} when there is none: the caller
     *                                 named it, so it is a bad request (HTTP 400), not a 404
     */
    public Template get(String name) {
        Template template = name == null ? null : templates.get(name);
        if (template == null) {
            throw unknown(name);
        }
        return template;
    }

    /**
     * Renders the template {@code templateName} for every channel; see {@link Template#render}.
     *
     * @param params values for the template's variables; null means none
     * @param locale the recipient's locale; falls back from {@code fr-CA} to {@code fr} to the
     *               template's default locale; null for the default
     * @throws InvalidRequestException    code {@code unknown_template} when there is no such template
     * @throws MissingParametersException naming every missing parameter, sorted
     */
    public Rendered render(String templateName, Map<String, ?> params, Locale locale) {
        return get(templateName).render(params, locale);
    }

    /**
     * Renders the template {@code templateName} with its sample parameters, for a preview; see
     * {@link Template#preview}.
     *
     * @throws InvalidRequestException code {@code unknown_template} when there is no such template
     */
    public Rendered preview(String templateName, Locale locale) {
        return get(templateName).preview(locale);
    }

    @Override
    public String toString() {
        return "TemplateRegistry" + templates.keySet();
    }

    private InvalidRequestException unknown(String name) {
        if (name == null || name.isBlank()) {
            return new InvalidRequestException("unknown_template", "template name is required");
        }
        var known = new ArrayList<>(templates.keySet());
        String list = known.isEmpty() ? "there are no templates"
                : "known: " + String.join(", ", known.subList(0, Math.min(known.size(), NAMES_IN_MESSAGE)))
                + (known.size() > NAMES_IN_MESSAGE ? " and " + (known.size() - NAMES_IN_MESSAGE) + " more" : "");
        return new InvalidRequestException("unknown_template", "no template named '" + name + "' (" + list + ")");
    }

    /** Collects sources and templates; {@link #build()} loads and validates them. */
    public static final class Builder {
        private final List<TemplateSource> sources = new ArrayList<>();
        private final List<Template> inCode = new ArrayList<>();

        private Builder() {
        }

        /** Adds a source, loaded by {@link #build()}. */
        public Builder source(TemplateSource source) {
            sources.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** Adds {@link TemplateSource#classpath(String)}. */
        public Builder classpath(String folder) {
            return source(TemplateSource.classpath(folder));
        }

        /** Adds {@link TemplateSource#directory(Path)}. */
        public Builder directory(Path directory) {
            return source(TemplateSource.directory(directory));
        }

        /** Adds one template built in code. */
        public Builder template(Template template) {
            inCode.add(Objects.requireNonNull(template, "template"));
            return this;
        }

        /**
         * Loads every source and builds the registry.
         *
         * @throws TemplateException for the first invalid definition (naming its file and field),
         *                           or when two definitions share a name (naming both sources)
         */
        public TemplateRegistry build() {
            var all = new ArrayList<>(sources);
            if (!inCode.isEmpty()) {
                all.add(TemplateSource.of(inCode));
            }
            var byName = new TreeMap<String, Template>();
            var origins = new TreeMap<String, String>();
            for (TemplateSource source : all) {
                String origin = source.toString();
                for (Template template : source.load()) {
                    Objects.requireNonNull(template, () -> origin + " returned a null template");
                    String before = origins.putIfAbsent(template.name(), origin);
                    if (before != null) {
                        throw TemplateException.source(origin, "defines template '" + template.name() + "', which "
                                + (before.equals(origin) ? "it already defines" : before + " already defines"), null);
                    }
                    byName.put(template.name(), template);
                }
            }
            return new TemplateRegistry(byName);
        }
    }
}

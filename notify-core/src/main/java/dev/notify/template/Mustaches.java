package dev.notify.template;

import com.samskivert.mustache.Mustache;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The two jmustache compilers templates use, and the bookkeeping that lets one render report
 * every missing parameter instead of stopping at the first.
 *
 * <p>jmustache resolves a variable that no context holds (or that holds null) by calling
 * {@link Mustache.Compiler#computeNullValue(String)} with the variable's full name, e.g.
 * {@code order.id}, and only for variables it actually evaluates: a variable inside a section
 * that does not render is never looked up. A compiler that records those names during a render
 * therefore finds exactly the parameters the caller failed to supply, whereas a static walk of
 * the template ({@code Template.visit}) cannot tell a top-level parameter from a field of a
 * section's element.
 */
final class Mustaches {
    /** In-app, email text and push parts: values are inserted as they are. */
    static final Mustache.Compiler TEXT = new RecordingCompiler(base().escapeHTML(false));
    /** Email HTML parts: values are HTML-escaped ({@code {{{raw}}}} opts out). */
    static final Mustache.Compiler HTML = new RecordingCompiler(base().escapeHTML(true));

    private static final ThreadLocal<Missing> CURRENT = new ThreadLocal<>();

    private Mustaches() {
    }

    private static Mustache.Compiler base() {
        // defaultValue makes missing and null resolve through computeNullValue instead of throwing;
        // sections whose key is missing, false, empty or "" are skipped.
        return Mustache.compiler().defaultValue("").strictSections(false).emptyStringIsFalse(true);
    }

    /** Runs one render on this thread, recording the missing variables it meets in {@code missing}. */
    static <T> T collecting(Missing missing, Supplier<T> render) {
        Missing previous = CURRENT.get();
        CURRENT.set(missing);
        try {
            return render.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The variables one render could not resolve, sorted by name. */
    static final class Missing {
        final Set<String> names = new TreeSet<>();
        /** Render a missing variable as {@code {{name}}} (previews) rather than as nothing. */
        final boolean placeholders;

        Missing(boolean placeholders) {
            this.placeholders = placeholders;
        }
    }

    private static final class RecordingCompiler extends Mustache.Compiler {
        RecordingCompiler(Mustache.Compiler b) {
            super(b.standardsMode, b.strictSections, b.nullValue, b.missingIsNull, b.emptyStringIsFalse,
                    b.zeroIsFalse, b.formatter, b.escaper, b.loader, b.collector, b.delims);
        }

        @Override
        public String computeNullValue(String name) {
            Missing missing = CURRENT.get();
            if (missing == null) {
                return "";
            }
            missing.names.add(name);
            return missing.placeholders ? "{{" + name + "}}" : "";
        }
    }
}

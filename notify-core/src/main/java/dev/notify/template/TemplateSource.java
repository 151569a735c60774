package dev.notify.template;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Where templates come from: a classpath folder, a directory, or code. A {@link TemplateRegistry}
 * calls {@link #load()} once, when it is built. Implement it to keep templates elsewhere (a
 * database, a CMS); {@code toString()} should say where, for error messages.
 *
 * <p>The file-based sources read every {@code <name>.json} directly inside their folder (see
 * the {@linkplain dev.notify.template package documentation} for the format); sub-folders,
 * other files and names starting with a dot are ignored.
 */
@FunctionalInterface
public interface TemplateSource {
    /** No templates. */
    TemplateSource NONE = new TemplateSource() {
        @Override
        public List<Template> load() {
            return List.of();
        }

        @Override
        public String toString() {
            return "no templates";
        }
    };

    /**
     * Loads every template this source holds.
     *
     * @return the templates, names distinct
     * @throws TemplateException naming the file (or other origin) and field of the first invalid definition
     */
    List<Template> load();

    /**
     * The {@code <name>.json} files in {@code folder} (e.g. {@code "templates"} or
     * {@code "com/example/notify"}) of every classpath root that holds it, directory or jar, found
     * through the thread's context class loader (or this library's, when there is none). Loading
     * fails if no classpath root holds the folder, or if two define the same template.
     */
    static TemplateSource classpath(String folder) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return classpath(folder, loader != null ? loader : TemplateSource.class.getClassLoader());
    }

    /** As {@link #classpath(String)}, through the given class loader. */
    static TemplateSource classpath(String folder, ClassLoader loader) {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(loader, "loader");
        return new TemplateFiles.Classpath(TemplateFiles.stripSlashes(folder), loader);
    }

    /** The {@code <name>.json} files directly inside {@code directory}; loading fails if it is not a directory. */
    static TemplateSource directory(Path directory) {
        return new TemplateFiles.Directory(Objects.requireNonNull(directory, "directory"));
    }

    /** Templates built in code, e.g. with {@link Template#builder(String)}. */
    static TemplateSource of(Template... templates) {
        return of(Arrays.asList(templates));
    }

    /** Templates built in code, e.g. with {@link Template#builder(String)}. */
    static TemplateSource of(Collection<Template> templates) {
        List<Template> copy = List.copyOf(templates);
        return new TemplateSource() {
            @Override
            public List<Template> load() {
                return copy;
            }

            @Override
            public String toString() {
                return "code";
            }
        };
    }
}

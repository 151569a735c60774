package dev.notify.template;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds template files, {@code <name>.json}, directly inside a folder (not in sub-folders) of
 * the file system, of a jar, or of the classpath, and parses them in name order. Files whose
 * name starts with a dot (editor back-ups) and files with other extensions are ignored.
 */
final class TemplateFiles {
    private TemplateFiles() {
    }

    /** The {@link TemplateSource#directory(Path)} source. */
    static final class Directory implements TemplateSource {
        private final Path directory;

        Directory(Path directory) {
            this.directory = directory;
        }

        @Override
        public List<Template> load() {
            return fromDirectory(directory);
        }

        @Override
        public String toString() {
            return "directory " + directory;
        }
    }

    /** The {@link TemplateSource#classpath(String)} source: every classpath root holding the folder. */
    static final class Classpath implements TemplateSource {
        private final String folder;
        private final ClassLoader loader;

        Classpath(String folder, ClassLoader loader) {
            this.folder = folder;
            this.loader = loader;
        }

        @Override
        public List<Template> load() {
            Enumeration<URL> roots;
            try {
                roots = loader.getResources(folder);
            } catch (IOException e) {
                throw TemplateException.source(toString(), "cannot be searched: " + e.getMessage(), e);
            }
            if (!roots.hasMoreElements()) {
                throw TemplateException.source(toString(), "is not on the classpath", null);
            }
            var byName = new LinkedHashMap<String, Template>();
            var origins = new LinkedHashMap<String, URL>();
            for (URL root : Collections.list(roots)) {
                for (Template template : fromUrl(root)) {
                    URL before = origins.putIfAbsent(template.name(), root);
                    if (before != null) {
                        throw TemplateException.source(root.toString(), "defines template '" + template.name()
                                + "', which " + before + " already defines", null);
                    }
                    byName.put(template.name(), template);
                }
            }
            return List.copyOf(byName.values());
        }

        private static List<Template> fromUrl(URL root) {
            switch (root.getProtocol()) {
                case "file":
                    try {
                        return fromDirectory(Path.of(root.toURI()));
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        throw TemplateException.source(root.toString(), "is not a usable file URL", e);
                    }
                case "jar":
                    return fromJar(root);
                default:
                    throw TemplateException.source(root.toString(), "cannot be listed (protocol '"
                            + root.getProtocol() + "'); load the templates with TemplateSource.directory"
                            + " or register them in code", null);
            }
        }

        @Override
        public String toString() {
            return "classpath:" + folder;
        }
    }

    static List<Template> fromDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw TemplateException.source(directory.toString(), "is not a directory", null);
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(p -> isTemplateFile(p.getFileName().toString()) && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw TemplateException.source(directory.toString(), "cannot be listed: " + e.getMessage(), e);
        }
        var templates = new ArrayList<Template>();
        for (Path file : files) {
            byte[] json;
            try {
                json = Files.readAllBytes(file);
            } catch (IOException e) {
                throw TemplateException.source(file.toString(), "cannot be read: " + e.getMessage(), e);
            }
            templates.add(TemplateJson.parse(file.toString(), templateName(file.getFileName().toString()), json));
        }
        return templates;
    }

    static List<Template> fromJar(URL folder) {
        try {
            var connection = (JarURLConnection) folder.openConnection();
            // Our own JarFile, closed below, rather than the JVM-wide cached one.
            connection.setUseCaches(false);
            String prefix = stripSlashes(connection.getEntryName() == null ? "" : connection.getEntryName());
            prefix = prefix.isEmpty() ? "" : prefix + "/";
            try (JarFile jar = connection.getJarFile()) {
                var entries = new ArrayList<JarEntry>();
                for (JarEntry entry : Collections.list(jar.entries())) {
                    String name = entry.getName();
                    if (!entry.isDirectory() && name.startsWith(prefix)
                            && name.indexOf('/', prefix.length()) < 0
                            && isTemplateFile(name.substring(prefix.length()))) {
                        entries.add(entry);
                    }
                }
                entries.sort((a, b) -> a.getName().compareTo(b.getName()));
                var templates = new ArrayList<Template>();
                for (JarEntry entry : entries) {
                    String origin = "jar:" + connection.getJarFileURL() + "!/" + entry.getName();
                    byte[] json;
                    try (InputStream in = jar.getInputStream(entry)) {
                        json = in.readAllBytes();
                    }
                    String fileName = entry.getName().substring(prefix.length());
                    templates.add(TemplateJson.parse(origin, templateName(fileName), json));
                }
                return templates;
            }
        } catch (IOException | ClassCastException e) {
            throw TemplateException.source(folder.toString(), "cannot be read: " + e.getMessage(), e);
        }
    }

    static String stripSlashes(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private static boolean isTemplateFile(String fileName) {
        return fileName.endsWith(TemplateJson.EXTENSION) && !fileName.startsWith(".");
    }

    private static String templateName(String fileName) {
        return fileName.substring(0, fileName.length() - TemplateJson.EXTENSION.length());
    }
}

package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.javalin.NotifyPlugin;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API of the published modules to the listings committed in {@code api/}: every
 * public or protected type, constructor, method and field outside the {@code internal} packages.
 * A change to public API fails this test until the listing is regenerated, so that the change is
 * deliberate and visible in review:
 *
 * <pre>mvn -pl notify-core,notify-javalin -am verify -Dtest=PublicApiTest -Dnotify.api.update=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class PublicApiTest {
    private static final boolean UPDATE = Boolean.getBoolean("notify.api.update");

    @Test
    void notifyCoreApiMatchesItsListing() throws Exception {
        check(classesOf(Notify.class), repositoryRoot().resolve("notify-core/api/notify-core.api"));
    }

    @Test
    void notifyJavalinApiMatchesItsListing() throws Exception {
        check(classesOf(NotifyPlugin.class), repositoryRoot().resolve("notify-javalin/api/notify-javalin.api"));
    }

    private static void check(Path classes, Path listing) throws Exception {
        String actual = listing(classes);
        if (UPDATE) {
            Files.createDirectories(listing.getParent());
            Files.writeString(listing, actual);
        }
        assertThat(listing).as("the committed API listing; create it with -Dnotify.api.update=true").exists();
        assertThat(actual)
                .as("public API differs from %s; if the change is intended, regenerate the listing with"
                        + " -Dnotify.api.update=true and commit it (see CONTRIBUTING.md)", listing)
                .isEqualTo(Files.readString(listing));
    }

    private static Path classesOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("notify-bom"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("run from inside the repository");
        }
        return dir;
    }

    static String listing(Path location) throws IOException, ClassNotFoundException {
        if (Files.isRegularFile(location)) {
            // A jar: the reactor hands over the packaged module after the package phase.
            try (java.nio.file.FileSystem jar = java.nio.file.FileSystems.newFileSystem(location)) {
                return listingOf(jar.getPath("/"));
            }
        }
        return listingOf(location);
    }

    private static String listingOf(Path classes) throws IOException, ClassNotFoundException {
        List<String> names;
        try (Stream<Path> files = Files.walk(classes)) {
            names = files.map(p -> classes.relativize(p).toString().replace('\\', '/'))
                    .filter(n -> n.endsWith(".class") && !n.contains("/internal/") && !n.startsWith("META-INF/") && !n.endsWith("package-info.class")
                            && !n.endsWith("module-info.class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .sorted()
                    .toList();
        }
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
            if (!visible(type)) {
                continue;
            }
            out.append(header(type)).append(" {\n");
            List<String> members = new ArrayList<>();
            for (Field f : type.getDeclaredFields()) {
                if (exposed(f.getModifiers()) && !f.isSynthetic()) {
                    members.add(modifiers(f.getModifiers()) + f.getGenericType().getTypeName() + " " + f.getName());
                }
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (exposed(c.getModifiers()) && !c.isSynthetic()) {
                    members.add(modifiers(c.getModifiers()) + "<init>" + parameters(c));
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                if (exposed(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    members.add(modifiers(m.getModifiers() & ~Modifier.TRANSIENT) + m.getGenericReturnType().getTypeName()
                            + " " + m.getName() + parameters(m) + exceptions(m));
                }
            }
            members.stream().sorted().forEach(m -> out.append("  ").append(m).append('\n'));
            out.append("}\n");
        }
        return out.toString();
    }

    /** Public, and every enclosing type public too. */
    private static boolean visible(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass() || t.isSynthetic()) {
                return false;
            }
        }
        return true;
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String header(Class<?> type) {
        String kind = type.isAnnotation() ? "@interface" : type.isInterface() ? "interface" : type.isEnum() ? "enum"
                : type.isRecord() ? "record" : "class";
        int mods = type.getModifiers() & ~Modifier.INTERFACE & ~Modifier.ABSTRACT;
        if (!type.isInterface() && Modifier.isAbstract(type.getModifiers())) {
            mods |= Modifier.ABSTRACT;
        }
        if (type.isEnum() || type.isRecord()) {
            mods &= ~Modifier.FINAL & ~Modifier.STATIC;
        }
        StringBuilder h = new StringBuilder(modifiers(mods)).append(kind).append(' ').append(type.getName());
        if (type.getGenericSuperclass() != null && type.getSuperclass() != Object.class && !type.isEnum()
                && !type.isRecord()) {
            h.append(" extends ").append(type.getGenericSuperclass().getTypeName());
        }
        if (type.getGenericInterfaces().length > 0) {
            h.append(type.isInterface() ? " extends " : " implements ").append(Arrays.stream(type.getGenericInterfaces())
                    .map(java.lang.reflect.Type::getTypeName).collect(Collectors.joining(", ")));
        }
        return h.toString();
    }

    private static String modifiers(int modifiers) {
        String text = Modifier.toString(modifiers & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC
                | Modifier.FINAL | Modifier.ABSTRACT));
        return text.isEmpty() ? "" : text + " ";
    }

    private static String parameters(Executable e) {
        return Arrays.stream(e.getGenericParameterTypes()).map(java.lang.reflect.Type::getTypeName)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    private static String exceptions(Method m) {
        if (m.getGenericExceptionTypes().length == 0) {
            return "";
        }
        return " throws " + Arrays.stream(m.getGenericExceptionTypes()).map(java.lang.reflect.Type::getTypeName)
                .collect(Collectors.joining(", "));
    }
}

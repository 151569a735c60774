package dev.notify.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Internal packages stay inside their module: nothing outside notify-core imports
 * {@code dev.notify.internal}, nothing outside notify-javalin imports {@code dev.notify.javalin.internal}.
 * (This module is built last, so every other module's sources are beside it.)
 */
class ModuleBoundaryTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void noModuleImportsAnotherModulesInternalPackages() {
        assertThat(importsOf("dev.notify.internal.", "notify-javalin", "notify-examples", "notify-bench")).isEmpty();
        assertThat(importsOf("dev.notify.javalin.internal.", "notify-core", "notify-examples", "notify-bench")).isEmpty();
    }

    /**
     * Lines naming {@code <prefix>...} (an import or a qualified name) in the modules' Java sources,
     * main and test, this file aside, as "file: line".
     */
    private static List<String> importsOf(String prefix, String... modules) {
        return Stream.of(modules).map(m -> ROOT.resolve(m).resolve("src")).peek(d -> assertThat(d).as("a module's sources").isDirectory())
                .flatMap(ModuleBoundaryTest::javaFiles)
                .filter(f -> !f.getFileName().toString().equals("ModuleBoundaryTest.java"))
                .flatMap(f -> lines(f).filter(l -> l.contains(prefix)).map(l -> f + ": " + l))
                .toList();
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

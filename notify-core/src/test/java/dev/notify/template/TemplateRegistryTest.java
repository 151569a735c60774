package dev.notify.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where templates come from: the classpath (directory or jar), a directory, code; and lookup by name. */
class TemplateRegistryTest {
    private static final List<String> SHIPPED = List.of("low_stock_alert", "new_order", "security_alert", "task_assigned");

    @TempDir
    Path dir;

    @Test
    void loadsTheClasspathFolder() {
        TemplateRegistry registry = TemplateRegistry.builder().classpath("/templates/").build();

        assertThat(registry.names()).containsExactlyElementsOf(SHIPPED);
        Template security = registry.get("security_alert");
        assertThat(security.required()).isTrue();
        assertThat(security.category()).isEqualTo("security");
        assertThat(security.locales().keySet()).containsExactly(Locale.ENGLISH, Locale.GERMAN);
        assertThat(registry.get("task_assigned").escalateAfter()).contains(Duration.ofMinutes(30));
        assertThat(registry.get("low_stock_alert").required()).isFalse();
        assertThat(registry.find("nope")).isEmpty();
        assertThat(registry.find(null)).isEmpty();
        assertThat(registry.find("new_order")).containsSame(registry.get("new_order"));
    }

    @Test
    void loadsAClasspathFolderInsideAJar() throws IOException {
        Path jar = dir.resolve("catalogue.jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("notify/"));
            out.putNextEntry(new JarEntry("notify/templates/"));
            for (String name : List.of("low_stock_alert", "security_alert")) {
                out.putNextEntry(new JarEntry("notify/templates/" + name + ".json"));
                copy("templates/" + name + ".json", out);
            }
            out.putNextEntry(new JarEntry("notify/templates/README.txt"));
            out.write("not a template".getBytes());
            out.putNextEntry(new JarEntry("notify/templates/old/new_order.json"));
            out.write("not read: in a sub-folder".getBytes());
        }

        try (var loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            TemplateRegistry registry = TemplateRegistry.of(TemplateSource.classpath("notify/templates", loader));

            assertThat(registry.names()).containsExactly("low_stock_alert", "security_alert");
            assertThat(registry.preview("security_alert", Locale.GERMAN).inApp().title())
                    .isEqualTo("Neue Anmeldung bei Ihrem Konto");
        }
    }

    @Test
    void reportsAMissingClasspathFolder() {
        assertThatThrownBy(() -> TemplateRegistry.of(TemplateSource.classpath("no/such/folder")))
                .isInstanceOf(TemplateException.class)
                .hasMessage("classpath:no/such/folder: is not on the classpath");
    }

    @Test
    void reportsABrokenFileOnTheClasspathByItsUrl() throws IOException {
        Path root = dir.resolve("classes");
        Files.createDirectories(root.resolve("broken"));
        Path file = Files.writeString(root.resolve("broken/oops.json"), "{\"locales\": {\"en\": {}}}");

        try (var loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
            assertThatThrownBy(() -> TemplateRegistry.of(TemplateSource.classpath("broken", loader)))
                    .isInstanceOf(TemplateException.class)
                    .hasMessage(file + ": locales.en.title is required");
        }
    }

    @Test
    void loadsADirectoryWithOneFilePerTemplate() throws IOException {
        for (String name : SHIPPED) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(name + ".json"))) {
                copy("templates/" + name + ".json", out);
            }
        }
        Files.writeString(dir.resolve("order_completed.json"), """
                {"type": "order_completed", "category": "orders",
                 "locales": {"en": {"title": "Order #{{order_id}} completed",
                                    "message": "Order #{{order_id}} for {{customer}} is ready."}}}
                """);

        TemplateRegistry registry = TemplateRegistry.builder().directory(dir).build();

        assertThat(registry.names()).containsExactly("low_stock_alert", "new_order", "order_completed",
                "security_alert", "task_assigned");
        Rendered r = registry.render("order_completed", Map.of("order_id", 77, "customer", "Ada"), Locale.ITALIAN);
        assertThat(r.inApp()).isEqualTo(new Rendered.InApp("Order #77 completed", "Order #77 for Ada is ready."));
        assertThat(r.email().html()).contains("<p>Order #77 for Ada is ready.</p>");
    }

    @Test
    void reportsADirectoryThatIsNotThere() {
        Path missing = dir.resolve("missing");

        assertThatThrownBy(() -> TemplateRegistry.of(TemplateSource.directory(missing)))
                .isInstanceOf(TemplateException.class)
                .hasMessage(missing + ": is not a directory");
    }

    @Test
    void registersTemplatesInCode() {
        Template welcome = Template.builder("welcome")
                .type("user.welcome")
                .category("account")
                .defaultLocale(Locale.ENGLISH)
                .locale(Locale.ENGLISH, Template.Parts.of("Welcome, {{name}}!", "Your account is ready.")
                        .withPush(null, "Tap to get started"))
                .locale(Locale.FRENCH, Template.Parts.of("Bienvenue, {{name}} !", "Votre compte est prêt."))
                .sample(Map.of("name", "Ada"))
                .build();

        TemplateRegistry registry = TemplateRegistry.builder()
                .classpath("templates")
                .template(welcome)
                .source(TemplateSource.of(Template.builder("ping")
                        .locale(Locale.ENGLISH, Template.Parts.of("Ping", "")).build()))
                .build();

        assertThat(registry.names()).containsExactly("low_stock_alert", "new_order", "ping", "security_alert",
                "task_assigned", "welcome");
        assertThat(registry.get("welcome")).isSameAs(welcome);
        Rendered r = registry.render("welcome", Map.of("name", "Zoé"), Locale.CANADA_FRENCH);
        assertThat(r.inApp().title()).isEqualTo("Bienvenue, Zoé !");
        assertThat(registry.preview("welcome", null).push()).isEqualTo(new Rendered.Push("Welcome, Ada!", "Tap to get started"));
    }

    @Test
    void rejectsTheSameNameFromTwoSources() {
        Template duplicate = Template.builder("new_order")
                .locale(Locale.ENGLISH, Template.Parts.of("Order", "")).build();

        assertThatThrownBy(() -> TemplateRegistry.builder().classpath("templates").template(duplicate).build())
                .isInstanceOf(TemplateException.class)
                .hasMessage("code: defines template 'new_order', which classpath:templates already defines");
        assertThatThrownBy(() -> TemplateRegistry.of(TemplateSource.of(duplicate, duplicate)))
                .hasMessage("code: defines template 'new_order', which it already defines");
    }

    @Test
    void emptyRegistrySaysSoForUnknownNames() {
        TemplateRegistry registry = TemplateRegistry.of(TemplateSource.NONE);

        assertThat(registry.names()).isEmpty();
        assertThatThrownBy(() -> registry.get("anything"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("no template named 'anything' (there are no templates)");
    }

    @Test
    void templatesAreImmutable() {
        TemplateRegistry registry = TemplateRegistry.of(TemplateSource.classpath("templates"));

        assertThatThrownBy(() -> registry.names().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> registry.get("low_stock_alert").locales().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        var order = (Map<String, Object>) registry.get("new_order").sample().get("order");
        assertThatThrownBy(() -> order.put("number", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void previewsEveryShippedTemplateInEveryLocaleWithItsSample() {
        TemplateRegistry registry = TemplateRegistry.of(TemplateSource.classpath("templates"));

        for (String name : registry.names()) {
            Template template = registry.get(name);
            assertThat(template.sample()).as(name).isNotEmpty();
            for (Locale locale : template.locales().keySet()) {
                Rendered r = registry.preview(name, locale);
                assertThat(r.locale()).isEqualTo(locale);
                assertThat(List.of(r.inApp().title(), r.email().subject(), r.email().text(), r.email().html(),
                        r.push().title(), r.push().body())).as("%s %s", name, locale)
                        .allSatisfy(text -> assertThat(text).isNotBlank().doesNotContain("{{"));
                // the sample is complete, so a real render with it gives the same text
                assertThat(template.render(template.sample(), locale)).isEqualTo(r);
            }
        }
    }

    private static void copy(String resource, OutputStream out) throws IOException {
        try (InputStream in = TemplateRegistryTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            in.transferTo(out);
        }
    }
}

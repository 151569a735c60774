package dev.notify.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file format: what a valid file means, and how an invalid one is reported (file + field). */
class TemplateFileTest {
    @TempDir
    Path dir;

    private Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name + ".json"), json);
    }

    private TemplateException loadFails(String name, String json) throws IOException {
        Path file = write(name, json);
        var error = org.assertj.core.api.Assertions.catchThrowableOfType(TemplateException.class,
                () -> TemplateRegistry.of(TemplateSource.directory(dir)));
        assertThat(error).as("loading %s", file).isNotNull();
        assertThat(error.origin()).isEqualTo(file.toString());
        assertThat(error.code()).isEqualTo("invalid_template");
        assertThat(error.getMessage()).startsWith(file + ": ");
        return error;
    }

    @Test
    void readsEveryFieldAndAppliesDefaults() throws IOException {
        write("welcome", """
                {"locales": {"en": {"title": "Welcome, {{name}}"}}}
                """);
        write("invoice", """
                {"name": "invoice", "type": "billing.invoice", "category": "payments", "required": true,
                 "default_locale": "en-GB", "escalate_after": "PT1H30M",
                 "locales": {"en-GB": {"title": "Invoice {{n}}", "message": "Due {{due}}",
                                       "email": {"subject": "Your invoice", "text": "Pay by {{due}}", "html": "<p>{{due}}</p>"},
                                       "push": {"title": "Invoice", "body": "Due {{due}}"}},
                             "nl": {"title": "Factuur {{n}}"}},
                 "sample": {"n": 12, "due": "1 May", "extra": [1, {"a": null}]}}
                """);

        TemplateRegistry registry = TemplateRegistry.of(TemplateSource.directory(dir));

        Template welcome = registry.get("welcome");
        assertThat(welcome.type()).isEqualTo("welcome");
        assertThat(welcome.category()).isEqualTo(Template.DEFAULT_CATEGORY);
        assertThat(welcome.required()).isFalse();
        assertThat(welcome.defaultLocale()).isEqualTo(Locale.ENGLISH);
        assertThat(welcome.escalateAfter()).isEmpty();
        assertThat(welcome.sample()).isEmpty();
        assertThat(welcome.locales()).containsExactly(Map.entry(Locale.ENGLISH, Template.Parts.of("Welcome, {{name}}", "")));

        Template invoice = registry.get("invoice");
        assertThat(invoice.type()).isEqualTo("billing.invoice");
        assertThat(invoice.category()).isEqualTo("payments");
        assertThat(invoice.required()).isTrue();
        assertThat(invoice.defaultLocale()).isEqualTo(Locale.UK);
        assertThat(invoice.escalateAfter()).contains(Duration.ofMinutes(90));
        assertThat(invoice.locales().keySet()).containsExactly(Locale.UK, Locale.forLanguageTag("nl"));
        assertThat(invoice.locales().get(Locale.UK)).isEqualTo(Template.Parts.of("Invoice {{n}}", "Due {{due}}")
                .withEmail("Your invoice", "Pay by {{due}}", "<p>{{due}}</p>").withPush("Invoice", "Due {{due}}"));
        assertThat(invoice.sample()).containsEntry("n", 12).containsEntry("due", "1 May");
        assertThatThrownBy(() -> invoice.sample().put("n", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void actionsAreReadAndRenderedWithTheSendsParameters() throws IOException {
        write("expense", """
                {"locales": {"en": {"title": "Approve expense {{id}}?"}},
                 "actions": [{"id": "approve", "label": "Approve {{amount}}", "kind": "callback",
                              "payload": {"report": "{{id}}", "level": 2}, "style": "primary"},
                             {"id": "open", "label": "Open", "kind": "link", "url": "/expenses/{{id}}"}]}
                """);
        Template expense = TemplateRegistry.of(TemplateSource.directory(dir)).get("expense");

        List<dev.notify.NotificationAction> actions = expense.renderActions(Map.of("id", 12, "amount", "EUR 40"));

        assertThat(actions).extracting(dev.notify.NotificationAction::label).containsExactly("Approve EUR 40", "Open");
        assertThat(actions.get(0).payload()).containsEntry("report", "12").containsEntry("level", 2);
        assertThat(actions.get(0).style()).isEqualTo(dev.notify.NotificationAction.Style.PRIMARY);
        assertThat(actions.get(1).url()).isEqualTo("/expenses/12");
        assertThatThrownBy(() -> expense.renderActions(Map.of("id", 12)))
                .isInstanceOf(MissingParametersException.class).hasMessageContaining("amount");
        assertThat(loadFails("bad_action", """
                {"locales": {"en": {"title": "t"}}, "actions": [{"label": "Open", "kind": "link"}]}
                """).getMessage()).contains("actions").contains("url is required");
    }

    @Test
    void badJsonNamesTheFileAndPosition() throws IOException {
        TemplateException e = loadFails("bad", """
                {"locales": {"en": {"title": "x",}}}
                """);

        assertThat(e.field()).isNull();
        assertThat(e.getMessage()).contains("is not valid JSON (line 1, column 34)");
    }

    @Test
    void duplicateKeysAreInvalidJson() throws IOException {
        TemplateException e = loadFails("dup", """
                {"locales": {"en": {"title": "x", "title": "y"}}}
                """);

        assertThat(e.getMessage()).contains("is not valid JSON").contains("Duplicate field 'title'");
    }

    @Test
    void emptyFileAndNonObjectAreRejected() throws IOException {
        assertThat(loadFails("empty", "  ").getMessage()).endsWith("is empty; expected a JSON object");
        Files.delete(dir.resolve("empty.json"));
        assertThat(loadFails("array", "[]").getMessage()).endsWith("must hold a JSON object but holds an array");
    }

    @Test
    void missingTitleNamesTheLocale() throws IOException {
        TemplateException e = loadFails("no_title", """
                {"default_locale": "en",
                 "locales": {"en": {"title": "ok"}, "fr": {"message": "Bonjour"}}}
                """);

        assertThat(e.field()).isEqualTo("locales.fr.title");
        assertThat(e).hasMessageEndingWith("no_title.json: locales.fr.title is required");
    }

    @Test
    void blankTitleIsMissing() throws IOException {
        assertThat(loadFails("blank", """
                {"locales": {"en": {"title": "  "}}}
                """).field()).isEqualTo("locales.en.title");
    }

    @Test
    void malformedLocaleKeyIsNamed() throws IOException {
        TemplateException e = loadFails("underscore", """
                {"locales": {"fr_CA": {"title": "x"}}}
                """);

        assertThat(e.field()).isEqualTo("locales.fr_CA");
        assertThat(e).hasMessageEndingWith("locales.fr_CA 'fr_CA' is not a BCP 47 language tag such as en or fr-CA");
        Files.delete(dir.resolve("underscore.json"));

        assertThat(loadFails("word", """
                {"locales": {"english": {"title": "x"}}}
                """).field()).isEqualTo("locales.english");
    }

    @Test
    void localeThatIsNotAnObjectIsNamed() throws IOException {
        TemplateException e = loadFails("shape", """
                {"locales": {"en": "Low stock"}}
                """);

        assertThat(e).hasMessageEndingWith("locales.en must be an object but was a string");
    }

    @Test
    void sameLocaleTwiceIsRejected() throws IOException {
        assertThat(loadFails("twice", """
                {"locales": {"en": {"title": "a"}, "EN": {"title": "b"}}}
                """)).hasMessageEndingWith("locales.EN is the same locale as locales.en");
    }

    @Test
    void unknownFieldsAreRejectedWhereverTheyAre() throws IOException {
        assertThat(loadFails("typo", """
                {"locales": {"en": {"title": "x", "mesage": "y"}}}
                """)).hasMessageEndingWith("locales.en.mesage must be an object (any key besides title and message is a"
                        + " channel's part) but was a string");
        Files.delete(dir.resolve("typo.json"));
        assertThat(loadFails("top", """
                {"titel": "x", "locales": {"en": {"title": "x"}}}
                """).field()).isEqualTo("titel");
        Files.delete(dir.resolve("top.json"));
        assertThat(loadFails("email", """
                {"locales": {"en": {"title": "x", "email": {"body": "y"}}}}
                """).field()).isEqualTo("locales.en.email.body");
    }

    @Test
    void wronglyTypedValuesAreNamed() throws IOException {
        assertThat(loadFails("num", """
                {"locales": {"en": {"title": 5}}}
                """)).hasMessageEndingWith("locales.en.title must be a string but was a number");
        Files.delete(dir.resolve("num.json"));
        assertThat(loadFails("req", """
                {"required": "yes", "locales": {"en": {"title": "x"}}}
                """)).hasMessageEndingWith("required must be a boolean but was a string");
        Files.delete(dir.resolve("req.json"));
        assertThat(loadFails("push", """
                {"locales": {"en": {"title": "x", "push": ["a"]}}}
                """)).hasMessageEndingWith("locales.en.push must be an object (any key besides title and message is a"
                        + " channel's part) but was an array");
        Files.delete(dir.resolve("push.json"));
        assertThat(loadFails("sample", """
                {"locales": {"en": {"title": "x"}}, "sample": 3}
                """)).hasMessageEndingWith("sample must be an object but was a number");
    }

    @Test
    void missingOrEmptyLocalesAreRejected() throws IOException {
        assertThat(loadFails("none", "{}")).hasMessageEndingWith("locales is required");
        Files.delete(dir.resolve("none.json"));
        assertThat(loadFails("zero", """
                {"locales": {}}
                """)).hasMessageEndingWith("locales must hold at least one locale");
    }

    @Test
    void defaultLocaleMustBeGivenForSeveralAndBeOneOfThem() throws IOException {
        assertThat(loadFails("several", """
                {"locales": {"en": {"title": "a"}, "fr": {"title": "b"}}}
                """)).hasMessageEndingWith("default_locale is required when there are several locales (en, fr)");
        Files.delete(dir.resolve("several.json"));
        assertThat(loadFails("other", """
                {"default_locale": "de", "locales": {"en": {"title": "a"}}}
                """)).hasMessageEndingWith("default_locale 'de' is not one of the locales: en");
    }

    @Test
    void nameMustMatchTheFileName() throws IOException {
        assertThat(loadFails("low_stock_alert", """
                {"name": "low_stock", "locales": {"en": {"title": "a"}}}
                """)).hasMessageEndingWith("name must match the file name 'low_stock_alert.json' but was 'low_stock'");
    }

    @Test
    void typeAndCategoryAreChecked() throws IOException {
        assertThat(loadFails("spaces", """
                {"type": "low stock", "locales": {"en": {"title": "a"}}}
                """)).hasMessageEndingWith("type may hold only letters, digits and _ . : - but was 'low stock'");
        Files.delete(dir.resolve("spaces.json"));
        assertThat(loadFails("long", """
                {"category": "%s", "locales": {"en": {"title": "a"}}}
                """.formatted("c".repeat(101))).field()).isEqualTo("category");
    }

    @Test
    void escalateAfterMustBeAPositiveIsoDuration() throws IOException {
        assertThat(loadFails("minutes", """
                {"escalate_after": "30m", "locales": {"en": {"title": "a"}}}
                """)).hasMessageEndingWith("escalate_after must be an ISO-8601 duration such as PT30M but was '30m'");
        Files.delete(dir.resolve("minutes.json"));
        assertThat(loadFails("zero", """
                {"escalate_after": "PT0S", "locales": {"en": {"title": "a"}}}
                """)).hasMessageEndingWith("escalate_after must be > 0 but was PT0S");
    }

    @Test
    void mustacheSyntaxErrorsNameThePart() throws IOException {
        TemplateException e = loadFails("syntax", """
                {"locales": {"en": {"title": "a", "email": {"html": "<ul>{{#items}}<li>{{name}}</li></ul>"}}}}
                """);

        assertThat(e.field()).isEqualTo("locales.en.email.html");
        assertThat(e.getMessage()).contains("is not a valid Mustache template").contains("items");
    }

    @Test
    void partialsAreRejected() throws IOException {
        assertThat(loadFails("partial", """
                {"locales": {"en": {"title": "a", "message": "{{> footer}}"}}}
                """)).hasMessageEndingWith("locales.en.message uses the partial {{> footer}} but partials are not supported");
    }

    @Test
    void sampleMustCoverEveryVariable() throws IOException {
        TemplateException e = loadFails("thin_sample", """
                {"default_locale": "en",
                 "locales": {"en": {"title": "{{a}}"}, "fr": {"title": "{{a}} {{b}}", "push": {"body": "{{c.d}}"}}},
                 "sample": {"a": 1}}
                """);

        assertThat(e).hasMessageEndingWith("sample lacks parameters used by locales.fr: b, c.d");
    }

    @Test
    void otherFilesAndFoldersAreIgnored() throws IOException {
        write("ok", """
                {"locales": {"en": {"title": "a"}}}
                """);
        Files.writeString(dir.resolve("README.md"), "# templates");
        Files.writeString(dir.resolve(".ok.json.swp"), "junk");
        Files.writeString(dir.resolve(".hidden.json"), "junk");
        Files.createDirectories(dir.resolve("drafts"));
        Files.writeString(dir.resolve("drafts/draft.json"), "junk");

        assertThat(TemplateRegistry.of(TemplateSource.directory(dir)).names()).containsExactly("ok");
    }

    @Test
    void codeBuiltTemplatesAreValidatedTheSameWay() {
        assertThatThrownBy(() -> Template.builder("x").locale(Locale.ENGLISH, Template.Parts.of(null, "m")).build())
                .isInstanceOf(TemplateException.class)
                .hasMessage("template 'x': locales.en.title is required");
        assertThatThrownBy(() -> Template.builder("has space").locale(Locale.ENGLISH, Template.Parts.of("t", "")).build())
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("name may hold only");
        assertThatThrownBy(() -> Template.builder("x").build())
                .hasMessage("template 'x': locales must hold at least one locale");
        assertThatThrownBy(() -> Template.builder("x").escalateAfter(Duration.ofMinutes(-1))
                .locale(Locale.ENGLISH, Template.Parts.of("t", "")).build())
                .hasMessage("template 'x': escalate_after must be > 0 but was PT-1M");
    }
}

package dev.notify.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.InvalidRequestException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rendering: channels, fallbacks, locales, escaping, nesting and sections, missing parameters. */
class TemplateRenderingTest {
    private static final Map<String, Object> LOW_STOCK = Map.of(
            "item_name", "Coffee beans", "current_stock", 5, "unit", "kg", "reorder_level", 10);

    private static TemplateRegistry registry;

    @BeforeAll
    static void load() {
        registry = TemplateRegistry.of(TemplateSource.classpath("templates"));
    }

    @Test
    void rendersEveryChannelFromItsOwnPart() {
        Rendered r = registry.render("low_stock_alert", LOW_STOCK, Locale.ENGLISH);

        assertThat(r.template().name()).isEqualTo("low_stock_alert");
        assertThat(r.template().type()).isEqualTo("low_stock");
        assertThat(r.template().category()).isEqualTo("inventory");
        assertThat(r.locale()).isEqualTo(Locale.ENGLISH);
        assertThat(r.inApp()).isEqualTo(new Rendered.InApp("Low stock: Coffee beans",
                "Only 5 kg left of Coffee beans (reorder at 10)."));
        assertThat(r.email().subject()).isEqualTo("Reorder Coffee beans");
        assertThat(r.email().text()).isEqualTo("Only 5 kg of Coffee beans are left.\n\nThe reorder level is 10.");
        assertThat(r.email().html()).isEqualTo(
                "<p>Only <b>5 kg</b> of Coffee beans are left.</p><p>The reorder level is 10.</p>");
        assertThat(r.push()).isEqualTo(new Rendered.Push("Low stock", "Coffee beans: 5 kg left"));
    }

    @Test
    void missingEmailAndPushPartsFallBackToTheInAppText() {
        Rendered r = registry.render("low_stock_alert", LOW_STOCK, Locale.forLanguageTag("fr-CA"));

        assertThat(r.inApp().title()).isEqualTo("Inventaire bas : Coffee beans");
        assertThat(r.email().subject()).isEqualTo(r.inApp().title());
        assertThat(r.email().text()).isEqualTo(r.inApp().message());
        assertThat(r.push()).isEqualTo(new Rendered.Push(r.inApp().title(), r.inApp().message()));
    }

    @Test
    void missingHtmlPartWrapsTheEscapedTextInMinimalHtml() {
        Template t = Template.builder("note")
                .locale(Locale.ENGLISH, Template.Parts.of("Note", "ignored")
                        .withEmail(null, "Dear {{name}},\nsee <this> & that.\n\nBye", null))
                .build();

        Rendered r = t.render(Map.of("name", "Tom \"T\" O'Neil"), null);

        assertThat(r.email().text()).isEqualTo("Dear Tom \"T\" O'Neil,\nsee <this> & that.\n\nBye");
        assertThat(r.email().html()).isEqualTo("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
                + "<p>Dear Tom &quot;T&quot; O&#39;Neil,<br>\nsee &lt;this&gt; &amp; that.</p>\n"
                + "<p>Bye</p>\n"
                + "</body></html>\n");
    }

    @Test
    void picksTheExactLocaleFirst() {
        assertThat(registry.render("low_stock_alert", LOW_STOCK, Locale.CANADA_FRENCH).inApp().title())
                .isEqualTo("Inventaire bas : Coffee beans");
        assertThat(registry.render("low_stock_alert", LOW_STOCK, Locale.FRENCH).inApp().title())
                .isEqualTo("Stock bas : Coffee beans");
    }

    @Test
    void fallsBackFromRegionToLanguage() {
        Rendered r = registry.render("low_stock_alert", LOW_STOCK, Locale.forLanguageTag("fr-BE"));

        assertThat(r.locale()).isEqualTo(Locale.FRENCH);
        assertThat(r.inApp().title()).isEqualTo("Stock bas : Coffee beans");
        assertThat(r.email().subject()).isEqualTo("Commander Coffee beans");
    }

    @Test
    void fallsBackFromScriptAndVariantToLanguageAndRegion() {
        Rendered r = registry.render("low_stock_alert", LOW_STOCK, Locale.forLanguageTag("fr-Latn-CA-x-test"));

        assertThat(r.locale()).isEqualTo(Locale.CANADA_FRENCH);
    }

    @Test
    void fallsBackToTheDefaultLocale() {
        assertThat(registry.render("low_stock_alert", LOW_STOCK, Locale.GERMANY).locale()).isEqualTo(Locale.ENGLISH);
        assertThat(registry.render("low_stock_alert", LOW_STOCK, null).locale()).isEqualTo(Locale.ENGLISH);
        // en-US has no entry of its own, and its language is the default anyway
        assertThat(registry.render("low_stock_alert", LOW_STOCK, Locale.US).inApp().title())
                .isEqualTo("Low stock: Coffee beans");
    }

    @Test
    void defaultLocaleIsUsedEvenWhenNotEnglish() {
        Template t = Template.builder("greeting")
                .defaultLocale(Locale.GERMAN)
                .locale(Locale.ENGLISH, Template.Parts.of("Hello", ""))
                .locale(Locale.GERMAN, Template.Parts.of("Hallo", ""))
                .build();

        assertThat(t.render(Map.of(), Locale.JAPANESE).inApp().title()).isEqualTo("Hallo");
        assertThat(t.render(Map.of(), Locale.UK).inApp().title()).isEqualTo("Hello");
    }

    @Test
    void escapesValuesInHtmlPartsOnly() {
        Map<String, Object> params = new HashMap<>(LOW_STOCK);
        params.put("item_name", "<script>alert('x')</script> & \"co\"");

        Rendered r = registry.render("low_stock_alert", params, Locale.ENGLISH);

        assertThat(r.email().html()).contains("of &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot; are")
                .doesNotContain("<script>");
        String raw = "<script>alert('x')</script> & \"co\"";
        assertThat(r.inApp().title()).isEqualTo("Low stock: " + raw);
        assertThat(r.inApp().message()).contains(raw);
        assertThat(r.email().subject()).isEqualTo("Reorder " + raw);
        assertThat(r.email().text()).contains(raw);
        assertThat(r.push().body()).startsWith(raw);
    }

    @Test
    void subjectIsKeptOnOneLine() {
        Map<String, Object> params = new HashMap<>(LOW_STOCK);
        params.put("item_name", "Coffee\r\nBcc: everyone@example.com");

        Rendered r = registry.render("low_stock_alert", params, Locale.ENGLISH);

        assertThat(r.email().subject()).isEqualTo("Reorder Coffee Bcc: everyone@example.com");
    }

    @Test
    void rendersNestedParametersAndSections() {
        Map<String, Object> params = Map.of(
                "order", Map.of("number", 7, "total", "$9.00", "note", "Extra hot"),
                "customer", new Customer("Grace"),
                "items", List.of(Map.of("name", "Latte", "quantity", 2), Map.of("name", "Bagel", "quantity", 1)));

        Rendered r = registry.render("new_order", params, Locale.ENGLISH);

        assertThat(r.inApp().title()).isEqualTo("New order #7");
        assertThat(r.inApp().message()).isEqualTo("Grace ordered 2 × Latte, 1 × Bagel for $9.00. Note: Extra hot");
        assertThat(r.email().html()).isEqualTo(
                "<h1>Order #7</h1><ul><li>2 × Latte</li><li>1 × Bagel</li></ul><p>Note: Extra hot</p>");
    }

    @Test
    void skipsASectionWhoseValueIsMissingOrEmpty() {
        Map<String, Object> params = Map.of(
                "order", Map.of("number", 7, "total", "$0.00", "note", ""),
                "customer", Map.of("name", "Grace"),
                "items", List.of());

        Rendered r = registry.render("new_order", params, Locale.ENGLISH);

        assertThat(r.inApp().message()).isEqualTo("Grace ordered  for $0.00.");
        assertThat(r.email().html()).isEqualTo("<h1>Order #7</h1><ul></ul>");
    }

    @Test
    void missingParametersAreAllNamedSorted() {
        assertThatThrownBy(() -> registry.render("low_stock_alert", Map.of("unit", "kg"), Locale.ENGLISH))
                .isInstanceOfSatisfying(MissingParametersException.class, e -> {
                    assertThat(e).isInstanceOf(InvalidRequestException.class);
                    assertThat(e.code()).isEqualTo("missing_parameters");
                    assertThat(e.template()).isEqualTo("low_stock_alert");
                    assertThat(e.locale()).isEqualTo(Locale.ENGLISH);
                    assertThat(e.missing()).containsExactly("current_stock", "item_name", "reorder_level");
                    assertThat(e).hasMessage("template 'low_stock_alert' (locale en) is missing parameters: "
                            + "current_stock, item_name, reorder_level");
                });
    }

    @Test
    void missingParametersAreCollectedFromEveryChannel() {
        Template t = Template.builder("split")
                .locale(Locale.ENGLISH, Template.Parts.of("{{a}}", "{{b}}")
                        .withEmail("{{c}}", "{{d}}", "{{e}}")
                        .withPush("{{f}}", "{{g}}"))
                .build();

        assertThatThrownBy(() -> t.render(Map.of("b", 1, "f", 2), Locale.ENGLISH))
                .isInstanceOfSatisfying(MissingParametersException.class,
                        e -> assertThat(e.missing()).containsExactly("a", "c", "d", "e", "g"));
    }

    @Test
    void nullValuesAndMissingNestedFieldsCountAsMissing() {
        var params = new HashMap<String, Object>();
        params.put("order", Map.of("total", "$1"));
        params.put("customer", null);
        params.put("items", List.of(Map.of("name", "Tea")));

        assertThatThrownBy(() -> registry.render("new_order", params, Locale.ENGLISH))
                .isInstanceOfSatisfying(MissingParametersException.class,
                        e -> assertThat(e.missing()).containsExactly("customer.name", "order.number", "quantity"));
    }

    @Test
    void variablesInsideASkippedSectionAreNotRequired() {
        Template t = Template.builder("optional")
                .locale(Locale.ENGLISH, Template.Parts.of("Hi{{#vip}} {{vip.level}} member{{/vip}}", ""))
                .build();

        assertThat(t.render(Map.of(), null).inApp().title()).isEqualTo("Hi");
        assertThat(t.render(Map.of("vip", Map.of("level", "gold")), null).inApp().title()).isEqualTo("Hi gold member");
    }

    @Test
    void onlyTheResolvedLocaleDecidesWhatIsMissing() {
        Template t = Template.builder("per_locale")
                .defaultLocale(Locale.ENGLISH)
                .locale(Locale.ENGLISH, Template.Parts.of("Hello {{name}}", ""))
                .locale(Locale.FRENCH, Template.Parts.of("Bonjour {{prenom}}", ""))
                .build();

        assertThat(t.render(Map.of("name", "Ann"), Locale.ENGLISH).inApp().title()).isEqualTo("Hello Ann");
        assertThatThrownBy(() -> t.render(Map.of("name", "Ann"), Locale.FRENCH))
                .isInstanceOfSatisfying(MissingParametersException.class, e -> {
                    assertThat(e.locale()).isEqualTo(Locale.FRENCH);
                    assertThat(e.missing()).containsExactly("prenom");
                });
    }

    @Test
    void unknownTemplateIsABadRequestNamingTheKnownOnes() {
        assertThatThrownBy(() -> registry.render("low_stock", LOW_STOCK, Locale.ENGLISH))
                .isExactlyInstanceOf(InvalidRequestException.class)
                .hasMessage("no template named 'low_stock' (known: low_stock_alert, new_order, security_alert, "
                        + "task_assigned)")
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("unknown_template");
        assertThatThrownBy(() -> registry.render(null, LOW_STOCK, Locale.ENGLISH))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.code()).isEqualTo("unknown_template"));
    }

    @Test
    void aValueThatCannotBeReadIsAnInvalidRequest() {
        Template t = Template.builder("broken")
                .locale(Locale.ENGLISH, Template.Parts.of("{{thing.value}}", ""))
                .build();

        assertThatThrownBy(() -> t.render(Map.of("thing", new Exploding()), null))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_parameters"))
                .hasMessageStartingWith("template 'broken' (locale en) could not render:");
    }

    @Test
    void previewRendersEveryChannelWithTheSample() {
        Rendered r = registry.preview("low_stock_alert", Locale.FRENCH);

        assertThat(r.locale()).isEqualTo(Locale.FRENCH);
        assertThat(r.inApp().title()).isEqualTo("Stock bas : Printer paper");
        assertThat(r.inApp().message()).isEqualTo("Plus que 3 reams de Printer paper (seuil de commande 10).");
        assertThat(r.email().subject()).isEqualTo("Commander Printer paper");
        assertThat(r.email().html()).contains("<p>Plus que 3 reams de Printer paper");
        assertThat(r.push().title()).isEqualTo("Stock bas : Printer paper");

        assertThat(registry.preview("new_order", null).inApp().message())
                .isEqualTo("Ada ordered 2 × Flat white, 1 × Croissant for $23.50. Note: No onions");
    }

    @Test
    void previewWithoutSampleShowsPlaceholders() {
        Template t = Template.builder("no_sample")
                .locale(Locale.ENGLISH, Template.Parts.of("Hi {{user.name}}", "").withEmail(null, null, "<b>{{user.name}}</b>"))
                .build();

        Rendered r = t.preview(Locale.ENGLISH);

        assertThat(r.inApp().title()).isEqualTo("Hi {{user.name}}");
        assertThat(r.email().html()).isEqualTo("<b>{{user.name}}</b>");
    }

    @Test
    void compilesOnceAndReusesTheCompiledParts() {
        Template t = registry.get("low_stock_alert");
        Object before = t.compiledParts(Locale.ENGLISH);

        registry.render("low_stock_alert", LOW_STOCK, Locale.ENGLISH);
        registry.render("low_stock_alert", Map.of("item_name", "Tea", "current_stock", 1, "unit", "box",
                "reorder_level", 2), Locale.US);

        assertThat(before).isNotNull();
        assertThat(t.compiledParts(Locale.ENGLISH)).isSameAs(before);
        assertThat(registry.get("low_stock_alert")).isSameAs(t);
    }

    @Test
    void rendersConcurrentlyWithoutMixingUpMissingParameters() throws Exception {
        Template t = registry.get("low_stock_alert");
        var threads = new java.util.ArrayList<Thread>();
        var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
        for (int i = 0; i < 8; i++) {
            boolean complete = i % 2 == 0;
            var thread = new Thread(() -> {
                for (int n = 0; n < 500; n++) {
                    try {
                        if (complete) {
                            assertThat(t.render(LOW_STOCK, Locale.ENGLISH).inApp().title())
                                    .isEqualTo("Low stock: Coffee beans");
                        } else {
                            assertThatThrownBy(() -> t.render(Map.of("unit", "kg", "item_name", "x"), Locale.ENGLISH))
                                    .isInstanceOfSatisfying(MissingParametersException.class, e -> assertThat(
                                            e.missing()).containsExactly("current_stock", "reorder_level"));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }

    /** A record parameter: jmustache reads {@code name()}. */
    record Customer(String name) {
    }

    /** A bean whose accessor fails. */
    public static final class Exploding {
        public String getValue() {
            throw new IllegalStateException("boom");
        }
    }
}

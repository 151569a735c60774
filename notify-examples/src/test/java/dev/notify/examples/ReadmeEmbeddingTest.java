package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README quotes the examples' code verbatim: the lines between {@code // README:<name>:start}
 * and {@code // README:<name>:end}, with their common indentation removed. These tests fail when
 * README and code drift apart, and print the block to paste.
 */
class ReadmeEmbeddingTest {
    // Surefire runs in the module directory.
    static final Path EXAMPLES = Path.of("src", "main", "java", "dev", "notify", "examples");
    static final Path README = Path.of("..", "README.md");

    @Test
    void readmeQuotesTheEmbeddedExampleVerbatim() throws IOException {
        assertReadmeQuotes("embed", EXAMPLES.resolve("EmbeddedExample.java"));
    }

    @Test
    void readmeQuotesTheJavalinExampleVerbatim() throws IOException {
        assertReadmeQuotes("javalin", EXAMPLES.resolve("JavalinAppExample.java"));
    }

    @Test
    void readmeQuotesTheTransactionExampleVerbatim() throws IOException {
        assertReadmeQuotes("transaction", EXAMPLES.resolve("OrderTransactionExample.java"));
    }

    @Test
    void readmeQuotesTheEmailExampleVerbatim() throws IOException {
        assertReadmeQuotes("email", EXAMPLES.resolve("EmailExample.java"));
    }

    @Test
    void readmeQuotesTheApprovalExampleVerbatim() throws IOException {
        assertReadmeQuotes("actions", EXAMPLES.resolve("ApprovalExample.java"));
    }

    @Test
    void readmeQuotesThePushExampleVerbatim() throws IOException {
        assertReadmeQuotes("push", EXAMPLES.resolve("PushExample.java"));
    }

    @Test
    void readmeQuotesTheTopicTrigger() throws IOException {
        assertReadmeQuotes("topic", EXAMPLES.resolve("StoreTriggers.java"));
    }

    @Test
    void readmeQuotesTheTestKitTest() throws IOException {
        Path test = Path.of("src", "test", "java", "dev", "notify", "examples", "StoreTriggersTest.java");
        assertReadmeQuotes("testkit-setup", test);
        assertReadmeQuotes("testkit", test);
    }

    @Test
    void readmeQuotesATemplateFileWhole() throws IOException {
        Path file = Path.of("src", "main", "resources", "notify", "templates", "low_stock_alert.json");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::stripTrailing).toList();
        List<String> readme = Files.readString(README, StandardCharsets.UTF_8).lines().map(String::stripTrailing).toList();
        assertThat(containsBlock(readme, lines))
                .as("README.md must contain %s whole:%n%s", file, String.join("\n", lines)).isTrue();
    }

    private static void assertReadmeQuotes(String name, Path source) throws IOException {
        List<String> block = block(Files.readAllLines(source, StandardCharsets.UTF_8), name);
        assertThat(block).as("the README:%s block in %s", name, source).isNotEmpty();

        assertThat(README).as("README.md at the repository root").exists();
        List<String> readme = Files.readString(README, StandardCharsets.UTF_8).lines().map(String::stripTrailing).toList();

        assertThat(containsBlock(readme, block))
                .as("README.md must contain the README:%s block of %s, in order, at any one indentation:%n%s",
                        name, source.getFileName(), String.join("\n", block))
                .isTrue();
    }

    /** The lines strictly between the markers, trailing blanks stripped and common indentation removed. */
    static List<String> block(List<String> source, String name) {
        String startMarker = "// README:" + name + ":start";
        String endMarker = "// README:" + name + ":end";
        int start = indexOfMarker(source, startMarker);
        int end = indexOfMarker(source, endMarker);
        assertThat(end).as("%s comes after %s", endMarker, startMarker).isGreaterThan(start);
        List<String> lines = source.subList(start + 1, end).stream().map(String::stripTrailing).toList();
        int indent = lines.stream().filter(l -> !l.isEmpty())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> block = new ArrayList<>();
        for (String line : lines) {
            block.add(line.isEmpty() ? "" : line.substring(indent));
        }
        return block;
    }

    private static int indexOfMarker(List<String> source, String marker) {
        int found = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).strip().equals(marker)) {
                assertThat(found).as("%s appears once", marker).isEqualTo(-1);
                found = i;
            }
        }
        assertThat(found).as("%s is present", marker).isNotEqualTo(-1);
        return found;
    }

    /** Whether {@code text} holds {@code block} as consecutive lines, all shifted by one blank prefix. */
    static boolean containsBlock(List<String> text, List<String> block) {
        for (int i = 0; i + block.size() <= text.size(); i++) {
            String first = text.get(i);
            if (!first.endsWith(block.get(0))) {
                continue;
            }
            String prefix = first.substring(0, first.length() - block.get(0).length());
            if (!prefix.isBlank()) {
                continue;
            }
            boolean all = true;
            for (int j = 1; j < block.size() && all; j++) {
                String want = block.get(j);
                String got = text.get(i + j);
                all = want.isEmpty() ? got.isBlank() : got.equals(prefix + want);
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    @Test
    void blockMatchingAllowsOnlyOneCommonIndentation() {
        List<String> block = List.of("try (X x = y) {", "    x.go();", "}");
        assertThat(containsBlock(List.of("```java", "try (X x = y) {", "    x.go();", "}", "```"), block)).isTrue();
        assertThat(containsBlock(List.of("   try (X x = y) {", "       x.go();", "   }"), block)).isTrue();
        assertThat(containsBlock(List.of("try (X x = y) {", "x.go();", "}"), block)).isFalse();
        assertThat(containsBlock(List.of("try (X x = y) {", "    x.go();"), block)).isFalse();
        assertThat(containsBlock(List.of("// try (X x = y) {", "    x.go();", "}"), block)).isFalse();
    }

    @Test
    void blockIsTheMarkedLinesWithoutTheirCommonIndentation() {
        List<String> source = List.of(
                "class A {",
                "    // README:demo:start",
                "    try (X x = y) {   ",
                "        x.go();",
                "    }",
                "    // README:demo:end",
                "}");
        assertThat(block(source, "demo")).containsExactly("try (X x = y) {", "    x.go();", "}");
    }
}

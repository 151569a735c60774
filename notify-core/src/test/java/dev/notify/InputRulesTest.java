package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import dev.notify.push.PushSubscription;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text and number rules, and the Java API refusing what breaks them with the field named
 * and nothing stored, on H2 and PostgreSQL.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class InputRulesTest {
    private static final String NUL = "a\u0000b";
    private static final String LONE_HIGH = "a\ud800b";
    private static final String LONE_LOW = "a\udc00b";

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        notify = db.notifyBuilder().build();
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    @Test
    void textWithNulOrALoneSurrogateIsRefusedAndValidTextPasses() {
        for (String bad : List.of(NUL, LONE_HIGH, LONE_LOW, "\ud800", "end\ud83d", "\udc00start", "\u0000")) {
            assertThatThrownBy(() -> InputRules.text("title", bad))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_text");
                        assertThat(e.field()).isEqualTo("title");
                        assertThat(e.getMessage()).startsWith("title ");
                    });
        }
        for (String good : List.of("", "plain", "emoji \ud83d\udc4b pair", "\u00e9\u4e2d\u0001\t\n", "\uffff")) {
            assertThat(InputRules.text("title", good)).isSameAs(good);
        }
        assertThat(InputRules.text("title", null)).isNull();
    }

    @Test
    void numbersThatDoNotFitAreRefused() {
        for (Number bad : List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Float.NaN,
                BigInteger.TWO.pow(63), BigInteger.TWO.pow(63).negate().subtract(BigInteger.ONE),
                new BigDecimal("1e999"))) {
            assertThatThrownBy(() -> InputRules.number("data.x", bad)).as(bad.toString())
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_number");
                        assertThat(e.field()).isEqualTo("data.x");
                    });
        }
        for (Number good : List.of(0, Long.MAX_VALUE, Long.MIN_VALUE, BigInteger.TWO.pow(62), 1.5, Double.MAX_VALUE,
                new BigDecimal("1e300"), 1e-300)) {
            assertThatNoException().as(good.toString()).isThrownBy(() -> InputRules.number("n", good));
        }
    }

    @Test
    void structuredValuesAreCheckedRecursivelyAndNamedByPath() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("ok", List.of(1, "two", Map.of("deep", NUL)));
        assertField(() -> InputRules.value("data", Map.of("order", nested)), "invalid_text", "data.order.ok[2].deep");
        assertField(() -> InputRules.value("data", Map.of(LONE_HIGH, 1)), "invalid_text", "data");
        assertField(() -> InputRules.value("params", Map.of("n", List.of(1.0, Double.POSITIVE_INFINITY))),
                "invalid_number", "params.n[1]");
        assertField(() -> InputRules.value("data", new Object[] {"x", NUL}), "invalid_text", "data[1]");
        assertThatNoException().isThrownBy(() -> InputRules.value("data", Map.of("a", true, "b", List.of(), "c", 2)));
    }

    @Test
    void theJavaApiRefusesBadTextAndNumbersNamingTheFieldAndStoresNothing() throws Exception {
        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        Consumer<SendRequest.Builder> none = b -> { };
        addSend(calls, expected, "title", b -> b.title(NUL), "invalid_text");
        addSend(calls, expected, "message", b -> b.message(LONE_HIGH), "invalid_text");
        addSend(calls, expected, "type", b -> b.type(LONE_LOW), "invalid_text");
        addSend(calls, expected, "link", b -> b.link("https://x.test/" + NUL), "invalid_text");
        addSend(calls, expected, "idempotency_key", b -> b.idempotencyKey(NUL), "invalid_text");
        addSend(calls, expected, "email", b -> b.email("a" + NUL + "@example.com"), "invalid_text");
        addSend(calls, expected, "data.total", b -> b.data(Map.of("total", Double.POSITIVE_INFINITY)), "invalid_number");
        addSend(calls, expected, "data.big", b -> b.data(Map.of("big", BigInteger.TEN.pow(30))), "invalid_number");
        addSend(calls, expected, "data.k", b -> b.data(Map.of("k", LONE_HIGH)), "invalid_text");
        calls.put("recipients[1]", () -> notify.send(SendRequest.to("bob", NUL).title("Hi").build()));
        expected.put("recipients[1]", "invalid_text");
        calls.put("params.name", () -> notify.send(SendRequest.to("bob").template("welcome", Map.of("name", NUL)).build()));
        expected.put("params.name", "invalid_text");
        calls.put("template", () -> notify.send(SendRequest.to("bob").template(NUL, Map.of()).build()));
        expected.put("template", "invalid_text");
        calls.put("topic", () -> notify.send(SendRequest.toTopic("news" + NUL).title("Hi").build()));
        expected.put("topic", "invalid_text");
        calls.put("recipient", () -> notify.inbox(NUL));
        expected.put("recipient", "invalid_text");
        calls.put("user_id", () -> notify.recipients().put(new Recipient(LONE_HIGH, null, null, null, null)));
        expected.put("user_id", "invalid_text");
        calls.put("display_name", () -> notify.recipients().put(new Recipient("bob", null, NUL, null, null)));
        expected.put("display_name", "invalid_text");
        calls.put("topic ", () -> notify.topics().subscribe("news" + NUL, "bob"));
        expected.put("topic ", "invalid_text");
        calls.put("user_id ", () -> notify.topics().subscribe("news", NUL));
        expected.put("user_id ", "invalid_text");
        calls.put("type ", () -> notify.preferences().optOut("bob", "email", NUL));
        expected.put("type ", "invalid_text");
        calls.put("cursor", () -> notify.inbox("bob").list(new InboxQuery(false, null, "1" + NUL, 10)));
        expected.put("cursor", "invalid_text");
        calls.put("endpoint", () -> new PushSubscription("https://push.example.com/" + LONE_HIGH, "x", "y"));
        expected.put("endpoint", "invalid_text");

        long before = rows();
        for (var call : calls.entrySet()) {
            String field = call.getKey().strip();
            assertThatThrownBy(call.getValue()).as(call.getKey())
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.code()).isEqualTo(expected.get(call.getKey()));
                        assertThat(e.field()).isEqualTo(field);
                    });
        }
        assertThat(rows()).isEqualTo(before);
    }

    private void addSend(Map<String, ThrowingCallable> calls, Map<String, String> expected, String field,
                         Consumer<SendRequest.Builder> bad, String code) {
        calls.put(field, () -> {
            SendRequest.Builder b = SendRequest.to("bob").title("Hi");
            bad.accept(b);
            notify.send(b.build());
        });
        expected.put(field, code);
    }

    private static void assertField(ThrowingCallable call, String code, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.field()).isEqualTo(field);
        });
    }

    private long rows() throws Exception {
        boolean pg = kind == TestDatabases.Kind.POSTGRES;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(pg
                    ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                    + " AND table_type = 'BASE TABLE'"
                    : "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'"
                    + " AND TABLE_TYPE = 'BASE TABLE'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).isNotEmpty();
            long total = 0;
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
            return total;
        }
    }
}

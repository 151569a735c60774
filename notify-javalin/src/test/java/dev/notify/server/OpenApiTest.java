package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.notify.javalin.Principal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document served at {@code /openapi.json} against the server itself: every mounted
 * HTTP route is documented and every documented route is mounted (read from Javalin's router at
 * run time), and real responses match the documented schemas (networknt's JSON Schema validator,
 * draft 2020-12, the dialect of OpenAPI 3.1).
 */
class OpenApiTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dataDir;

    private NotifyServer server;
    private JsonNode document;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> checked = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                NotifyServer.ACCESS_LOG, "off");
        server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        HttpResponse<String> served = send("GET", "/openapi.json", null, null);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("application/json");
        document = MAPPER.readTree(served.body());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyMountedRouteIsDocumentedAndEveryDocumentedRouteIsMounted() {
        Set<String> mounted = new TreeSet<>(server.httpRoutes());
        Set<String> documented = new TreeSet<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace").contains(method)) {
                documented.add(method + " " + path.getKey());
            }
        }));
        Set<String> undocumented = new TreeSet<>(mounted);
        undocumented.removeAll(documented);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(mounted);
        assertThat(undocumented).as("routes mounted but not in openapi.json: document them").isEmpty();
        assertThat(missing).as("routes in openapi.json that the server does not mount").isEmpty();
    }

    @Test
    void documentIsOpenApi31WithResolvableSchemas() {
        assertThat(document.get("openapi").asText()).startsWith("3.1.");
        assertThat(document.at("/info/version").asText()).isNotBlank();
        // Every $ref points at a schema the document has.
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> assertThat(document.at(ref.substring(1)).isMissingNode())
                .as(ref).isFalse());
    }

    @Test
    void responsesMatchTheirDocumentedSchemas() throws Exception {
        String user = server.authenticator().issue("alice", Set.of(), Duration.ofMinutes(10));
        String publisher = server.authenticator().issue("shop", Set.of(Principal.PUBLISH), Duration.ofMinutes(10));
        String admin = server.authenticator().issue("ops", Set.of(Principal.ADMIN), Duration.ofMinutes(10));
        String base = "/api/v1/notifications";

        JsonNode created = check("POST", base, base, publisher,
                "{\"recipient\":\"alice\",\"type\":\"task_assigned\",\"title\":\"New task\",\"data\":{\"task_id\":4}}", 201);
        long id = created.at("/notifications/0/id").asLong();
        check("POST", base, base, publisher, "{\"recipient\":\"alice\",\"title\":\"again\",\"idempotency_key\":\"k1\"}", 201);
        check("POST", base, base, publisher, "{\"recipient\":\"alice\",\"title\":\"again\",\"idempotency_key\":\"k1\"}", 200);
        check("GET", base, base + "?limit=1", user, null, 200);
        check("GET", base + "/unread-count", base + "/unread-count", user, null, 200);
        check("GET", base + "/{id}", base + "/" + id, user, null, 200);
        check("POST", base + "/{id}/read", base + "/" + id + "/read", user, null, 200);
        check("POST", base + "/mark-all-read", base + "/mark-all-read", user, null, 200);
        check("POST", base + "/sse/ticket", base + "/sse/ticket", user, null, 200);
        check("GET", base + "/sse/status", base + "/sse/status", user, null, 200);
        check("POST", base + "/sse/close", base + "/sse/close", user, null, 200);
        check("GET", base + "/settings", base + "/settings", user, null, 200);
        check("GET", base + "/push/public-key", base + "/push/public-key", null, null, 404);
        check("DELETE", base + "/{id}", base + "/" + id, user, null, 204);
        check("PUT", "/api/v1/recipients/{user_id}", "/api/v1/recipients/alice", publisher,
                "{\"email\":\"alice@example.com\",\"time_zone\":\"Europe/Paris\"}", 200);
        check("GET", "/api/v1/recipients/{user_id}", "/api/v1/recipients/alice", publisher, null, 200);
        check("PUT", "/api/v1/topics/{topic}/members/{user_id}", "/api/v1/topics/managers/members/alice", publisher,
                null, 204);
        check("GET", "/api/v1/topics/{topic}/members", "/api/v1/topics/managers/members", publisher, null, 200);
        check("GET", "/api/v1/templates", "/api/v1/templates", publisher, null, 200);
        check("GET", "/api/v1/admin/outbox", "/api/v1/admin/outbox", admin, null, 200);
        check("GET", "/api/v1/admin/outbox/counts", "/api/v1/admin/outbox/counts", admin, null, 200);
        check("GET", "/health", "/health", null, null, 200);

        // Errors have the documented shape too.
        check("GET", base + "/{id}", base + "/999999", user, null, 404);
        check("GET", base, base, null, null, 401);
        check("POST", base, base, user, "{\"recipient\":\"bob\",\"title\":\"x\"}", 403);
        check("POST", base, base, publisher, "{not json", 400);
        assertThat(checked).hasSizeGreaterThan(20);
    }

    @Test
    void aBodyThatDoesNotMatchIsCaught() throws Exception {
        JsonNode schema = document.at("/paths/~1api~1v1~1notifications~1unread-count/get/responses/200/content"
                + "/application~1json/schema");
        assertThat(validator(schema).validate("{\"unread_count\":\"many\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(validator(schema).validate("{\"unread_count\":1,\"extra\":true}", InputFormat.JSON)).isNotEmpty();
        assertThat(validator(schema).validate("{\"unread_count\":1}", InputFormat.JSON)).isEmpty();
    }

    /** Calls {@code path}, checks the status is documented for {@code template} and the body matches its schema. */
    private JsonNode check(String method, String template, String path, String token, String body, int status)
            throws Exception {
        HttpResponse<String> response = send(method, path, token, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(status);
        JsonNode documented = document.path("paths").path(template).path(method.toLowerCase()).path("responses")
                .path(Integer.toString(status));
        assertThat(documented.isMissingNode()).as(method + " " + template + " does not document " + status).isFalse();
        JsonNode schema = documented.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            assertThat(response.body()).as(method + " " + path + " documents no body").isEmpty();
            checked.add(method + " " + template + " " + status);
            return null;
        }
        assertThat(response.body()).endsWith("\n");
        List<Error> errors = validator(schema).validate(response.body(), InputFormat.JSON);
        assertThat(errors).as(method + " " + path + " " + status + ": " + response.body()).isEmpty();
        checked.add(method + " " + template + " " + status);
        return MAPPER.readTree(response.body());
    }

    /** A draft 2020-12 schema of one response, with the document's components as its {@code $defs}. */
    private Schema validator(JsonNode responseSchema) throws Exception {
        ObjectNode schema = MAPPER.createObjectNode();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.set("$defs", document.at("/components/schemas"));
        schema.set("allOf", MAPPER.createArrayNode().add(responseSchema));
        String text = MAPPER.writeValueAsString(schema).replace("#/components/schemas/", "#/$defs/");
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(text, InputFormat.JSON);
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("$ref")) {
                    refs.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, refs));
        }
    }
}

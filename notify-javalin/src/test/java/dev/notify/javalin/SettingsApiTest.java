package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.json.Json;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET|PUT /api/v1/notifications/settings}: channel switches, types, categories, quiet hours, digests. */
class SettingsApiTest {
    private static final String PATH = "/api/v1/notifications/settings";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A channel that has no destinations: enough to be configured and switched. */
    static DeliveryChannel silentChannel(String name) {
        return new DeliveryChannel() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<String> destinations(DeliveryTarget target) {
                return List.of();
            }

            @Override
            public List<DeliveryOutcome> deliver(List<Delivery> batch) {
                throw new AssertionError("nothing is ever queued on " + name);
            }
        };
    }

    @Test
    void everyConfiguredChannelIsOnUntilTheUserSwitchesItOff() {
        server = new TestServer(b -> b.channel(silentChannel("email")).channel(silentChannel("push")), c -> { });
        String alice = server.token("alice");
        assertThat(TestServer.body(server.get(PATH, alice)).get("channels")).isEqualTo(Map.of("email", true, "push", true));

        HttpResponse<String> off = put(alice, "{\"channels\":{\"email\":false}}");

        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(off).get("channels")).isEqualTo(Map.of("email", false, "push", true));
        assertThat(server.notify.preferences().allows("alice", "email", "task_assigned")).isFalse();
        assertThat(server.notify.preferences().allows("bob", "email", "task_assigned")).isTrue();
        assertThat(TestServer.body(server.get(PATH, alice)).get("channels")).isEqualTo(Map.of("email", false, "push", true));

        assertThat(TestServer.body(put(alice, "{\"channels\":{\"email\":true,\"push\":false}}")).get("channels"))
                .isEqualTo(Map.of("email", true, "push", false));
        assertThat(server.notify.preferences().allows("alice", "email", "task_assigned")).isTrue();
    }

    @Test
    void withNoChannelsConfiguredThereIsNothingToSwitch() {
        server = new TestServer();
        assertThat(TestServer.body(server.get(PATH, server.token("alice"))).get("channels")).isEqualTo(Map.of());
    }

    @Test
    void unknownChannelsAndBadValuesAreRejectedAndChangeNothing() {
        server = new TestServer(b -> b.channel(silentChannel("email")), c -> { });
        String alice = server.token("alice");
        HttpResponse<String> unknown = put(alice, "{\"channels\":{\"email\":false,\"sms\":false}}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("sms").contains("email");
        assertThat(server.notify.preferences().allows("alice", "email", "x")).isTrue();

        assertThat(put(alice, "{\"channels\":{\"email\":\"no\"}}").statusCode()).isEqualTo(400);
        assertThat(put(alice, "{\"channels\":[]}").statusCode()).isEqualTo(400);
        assertThat(put(alice, "{\"channels\":{},\"snooze\":{}}").body()).contains("unknown_field");
        assertThat(put(alice, "not json").statusCode()).isEqualTo(400);
    }

    /** The README's preferences example is a body this endpoint accepts, and GET gives it back unchanged. */
    @Test
    void theReadmeExampleIsAcceptedAndReadBack() throws java.io.IOException {
        List<String> readme = java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "README.md"));
        int marker = readme.indexOf("<!-- README:settings -->");
        assertThat(marker).as("README.md has the <!-- README:settings --> marker").isNotNegative();
        int open = readme.subList(marker, readme.size()).indexOf("```json") + marker;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        String example = String.join("\n", readme.subList(open + 1, close));

        server = new TestServer(b -> b.channel(silentChannel("email")).channel(silentChannel("push")), c -> { });
        String alice = server.token("alice");
        HttpResponse<String> r = put(alice, example);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> expected = Json.readObject(example);
        assertThat(TestServer.body(server.get(PATH, alice))).isEqualTo(expected);
    }

    @Test
    void typesCategoriesQuietHoursAndDigestsRoundTrip() {
        server = new TestServer(b -> b.channel(silentChannel("email")).channel(silentChannel("push")), c -> { });
        String alice = server.token("alice");
        HttpResponse<String> r = put(alice, """
                {"types": {"new_order": {"email": false}},
                 "categories": {"inventory": {"push": false}},
                 "quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Europe/Paris"},
                 "digests": {"inventory": "daily"}}""");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> expected = Map.of(
                "channels", Map.of("email", true, "push", true),
                "types", Map.of("new_order", Map.of("email", false)),
                "categories", Map.of("inventory", Map.of("push", false)),
                "quiet_hours", Map.of("start", "22:00", "end", "07:00", "time_zone", "Europe/Paris"),
                "digests", Map.of("inventory", "daily"));
        assertThat(TestServer.body(r)).isEqualTo(expected);
        assertThat(TestServer.body(server.get(PATH, alice))).isEqualTo(expected);
        assertThat(server.notify.preferences().allows("alice", "email", "new_order")).isFalse();
        assertThat(server.notify.preferences().allows("alice", "push", "low_stock", "inventory")).isFalse();

        Map<String, Object> after = TestServer.body(put(alice, """
                {"types": {"new_order": {"email": true}}, "quiet_hours": null, "digests": {"inventory": "immediate"}}"""));
        assertThat(after.get("types")).isEqualTo(Map.of());
        assertThat(after.get("quiet_hours")).isNull();
        assertThat(after.get("digests")).isEqualTo(Map.of());
        assertThat(after.get("categories")).isEqualTo(Map.of("inventory", Map.of("push", false)));
    }

    @Test
    void badTimeZonesWindowsFrequenciesAndChannelsAreRejectedAndChangeNothing() {
        server = new TestServer(b -> b.channel(silentChannel("email")), c -> { });
        String alice = server.token("alice");
        for (String bad : List.of(
                "{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"07:00\", \"time_zone\": \"Mars/Olympus\"}}",
                "{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"22:00\"}}",
                "{\"quiet_hours\": {\"start\": \"24:30\", \"end\": \"07:00\"}}",
                "{\"quiet_hours\": {\"start\": \"22:00\"}}",
                "{\"quiet_hours\": \"22-07\"}",
                "{\"digests\": {\"inventory\": \"monthly\"}}",
                "{\"types\": {\"new_order\": {\"sms\": false}}}",
                "{\"categories\": {\"inventory\": {\"email\": 0}}}",
                "{\"types\": {\"new_order\": {\"email\": false}}, \"digests\": {\"x\": \"yearly\"}}")) {
            HttpResponse<String> r = put(alice, bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).contains("\"error\"");
        }
        assertThat(server.notify.preferences().allows("alice", "email", "new_order")).isTrue();
        assertThat(server.notify.preferences().quietHours("alice")).isEmpty();
    }

    @Test
    void settingsNeedAToken() {
        server = new TestServer();
        assertThat(server.get(PATH, null).statusCode()).isEqualTo(401);
        assertThat(put(null, "{\"channels\":{}}").statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> put(String token, String json) {
        return server.send(server.request(PATH, token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }
}

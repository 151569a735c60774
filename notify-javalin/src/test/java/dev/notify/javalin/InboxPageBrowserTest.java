package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.notify.ActionListener;
import dev.notify.json.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web inbox page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}):
 * live arrival, mark read, reconnect with catch-up, phone width, and the README's snippet on a
 * page of another origin. Skipped when Chromium is missing, unless
 * {@code NOTIFY_TEST_REQUIRE_BROWSER} is set (CI sets it, so CI never skips).
 */
class InboxPageBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path ARTIFACTS = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_TMP", "target"));
    /** Chrome DevTools bindings are left out (classic WebDriver is all this test uses): quiet the warning. */
    private static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger(
            "org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_LOG.setLevel(Level.OFF);
    }

    @TempDir
    Path profile;
    private TestServer server;
    private WebDriver browser;
    private HttpServer otherOrigin;

    /** What is missing to run the browser, naming exactly which part and the package it comes in; null if nothing. */
    static String missingBrowserParts() {
        boolean chromium = Files.isExecutable(CHROMIUM);
        boolean driver = Files.isExecutable(CHROMEDRIVER);
        if (chromium && driver) {
            return null;
        }
        if (chromium) {
            return "chromedriver not found at " + CHROMEDRIVER + " (Chromium is installed; apt-get install -y chromium-driver,"
                    + " or set NOTIFY_TEST_CHROMEDRIVER)";
        }
        if (driver) {
            return "headless Chromium not found at " + CHROMIUM + " (chromedriver is installed; apt-get install -y chromium,"
                    + " or set NOTIFY_TEST_CHROMIUM)";
        }
        return "neither Chromium (" + CHROMIUM + ") nor chromedriver (" + CHROMEDRIVER + ") is installed"
                + " (apt-get install -y chromium chromium-driver)";
    }

    @BeforeEach
    void startBrowser() {
        String missing = missingBrowserParts();
        if (System.getenv("NOTIFY_TEST_REQUIRE_BROWSER") != null) {
            assertThat(missing).as("NOTIFY_TEST_REQUIRE_BROWSER is set but " + missing).isNull();
        }
        assumeTrue(missing == null, () -> missing);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1000,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (otherOrigin != null) {
            otherOrigin.stop(0);
        }
    }

    @Test
    void inboxShowsNotificationsLiveMarksThemReadAndCatchesUpAfterTheStreamIsClosed() throws IOException {
        server = new TestServer(b -> b.channel(SettingsApiTest.silentChannel("email"))
                .channel(SettingsApiTest.silentChannel("push")), c -> { });
        String token = server.token("alice");
        long older = publish("welcome", "Welcome to the team", "Your account is ready. Choose below how else to be told.", "low");
        server.post("/api/v1/notifications/" + older + "/read", token, null);

        browser.get(server.url("/?token=" + token));
        awaitConnection("open");
        assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");
        assertThat(items()).hasSize(1);
        assertThat(badge()).isEqualTo("0");
        // A marker that a reload would wipe.
        js().executeScript("window.notLoadedAgain = true;");

        long first = publish("task_assigned", "New task assigned: Review the Q3 report",
                "Maria assigned you a task due Friday.", "normal");
        WebElement item = waitFor(By.cssSelector("li.notification[data-id='" + first + "']"));
        assertThat(item.getText()).contains("New task assigned: Review the Q3 report").contains("task_assigned");
        assertThat(item.getAttribute("class")).contains("unread");
        awaitBadge("1");

        item.findElement(By.cssSelector(".mark-read")).click();
        awaitBadge("0");
        wait(WAIT).until(d -> !d.findElement(By.cssSelector("li.notification[data-id='" + first + "']"))
                .getAttribute("class").contains("unread"));
        assertThat(server.notify.inbox("alice").get(first).read()).isTrue();

        // A read made elsewhere (another tab, the API) reaches the page too.
        long second = publish("invoice_overdue", "Invoice #2031 is overdue", "EUR 1,240.00 was due on 14 November.", "normal");
        awaitBadge("1");
        server.post("/api/v1/notifications/" + second + "/read", token, null);
        awaitBadge("0");

        // The server drops the stream; a notification arrives while the page is disconnected.
        String before = server.notify.streams("alice").get(0).id();
        assertThat(TestServer.body(server.post("/api/v1/notifications/sse/close", token, null))).containsEntry("closed", 1);
        long missed = publish("comment", "Sent while you were away", "Sam replied: \"Looks good to me, merging after lunch.\"",
                "normal");
        assertThat(server.notify.streams("alice")).as("the page has not reconnected yet").isEmpty();

        WebElement caughtUp = waitFor(By.cssSelector("li.notification[data-id='" + missed + "']"));
        assertThat(caughtUp.getText()).contains("Sent while you were away");
        awaitConnection("open");
        assertThat(server.notify.streams("alice")).singleElement().extracting(s -> s.id()).isNotEqualTo(before);
        awaitBadge("1");
        assertThat(items()).hasSize(4);
        assertThat(caughtUp.getText()).contains("Looks good to me");
        assertThat(js().executeScript("return window.notLoadedAgain === true")).isEqualTo(true);
        // Every notification was delivered by the stream exactly once, the missed one by replay.
        @SuppressWarnings("unchecked")
        Map<String, Object> deliveries = (Map<String, Object>) js().executeScript("return window.notifyInbox.deliveries");
        assertThat(deliveries).containsOnly(Map.entry(Long.toString(first), 1L), Map.entry(Long.toString(second), 1L),
                Map.entry(Long.toString(missed), 1L));

        // Settings switches reflect the configured channels.
        WebElement email = waitFor(By.id("channel-email"));
        assertThat(email.isSelected()).isTrue();
        email.click();
        wait(WAIT).until(d -> !server.notify.preferences().allows("alice", "email", "task_assigned"));

        publish("build_failed", "Build #512 failed on main", "3 tests failed in notify-javalin.", "high");
        awaitBadge("2");
        awaitAnimationsDone();
        screenshot("inbox.png");

        // Delete and mark all read from the page.
        WebElement away = browser.findElement(By.cssSelector("li.notification[data-id='" + missed + "']"));
        away.findElement(By.cssSelector(".delete")).click();
        wait(WAIT).until(ExpectedConditions.stalenessOf(away));
        awaitBadge("1");
        browser.findElement(By.id("mark-all-read")).click();
        awaitBadge("0");
        assertThat(server.notify.inbox("alice").unreadCount()).isZero();
        assertThat(pageErrors()).isEmpty();
    }

    @Test
    void unseenBadgeArchiveSnoozeActionButtonsAndItemsReplacedInPlace() {
        List<ActionListener.Performed> performed = new CopyOnWriteArrayList<>();
        server = new TestServer(b -> b.onAction(performed::add), c -> { });
        String token = server.token("alice");
        String approval = """
                {"recipient":"alice","type":"approval","title":"%s","key":"form-9",
                 "actions":[{"id":"approve","label":"Approve","kind":"callback","payload":{"form":9},"style":"primary"},
                            {"id":"open","label":"Open form","kind":"link","url":"/forms/9"}]}""";
        HttpResponse<String> created = server.post("/api/v1/notifications", server.token("backend", "publish"),
                approval.formatted("Approve form 9?"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = server.notify.inbox("alice").list().items().get(0).id();

        browser.get(server.url("/?token=" + token));
        awaitConnection("open");
        js().executeScript("window.notLoadedAgain = true;");
        awaitBadge("1");

        // Opening the list (the badge) marks what it shows as seen.
        browser.findElement(By.id("unseen-badge")).click();
        awaitBadge("0");
        assertThat(server.notify.inbox("alice").unseenCount()).isZero();

        // An action button performs the callback once; the link is a plain link.
        String item = "li.notification[data-id='" + id + "']";
        WebElement link = waitFor(By.cssSelector(item + " .buttons a[data-action-id='open']"));
        assertThat(link.getAttribute("href")).endsWith("/forms/9");
        waitFor(By.cssSelector(item + " .buttons button[data-action-id='approve']")).click();
        wait(WAIT).until(d -> performed.size() == 1);
        wait(WAIT).until(d -> !d.findElement(By.cssSelector(item)).getAttribute("class").contains("unread"));
        assertThat(performed.get(0).action().payload()).containsEntry("form", 9);

        // The same key again: the item is replaced in place, unseen and unread, without a reload.
        server.post("/api/v1/notifications", server.token("backend", "publish"), approval.formatted("Form 9 changed"));
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(item), "Form 9 changed"));
        awaitBadge("1");
        assertThat(items()).hasSize(1);
        assertThat(browser.findElement(By.cssSelector(item)).getAttribute("class")).contains("unread");
        assertThat(js().executeScript("return window.notifyInbox.updates['" + id + "']")).isEqualTo(1L);

        // Snooze from the page: gone until it comes back (here: unsnoozed elsewhere), live.
        long other = publish("comment", "Sam replied", "Looks good.", "normal");
        WebElement otherItem = waitFor(By.cssSelector("li.notification[data-id='" + other + "']"));
        otherItem.findElement(By.cssSelector(".snooze")).click();
        wait(WAIT).until(ExpectedConditions.stalenessOf(otherItem));
        assertThat(server.notify.inbox("alice").get(other).snoozedUntil()).isNotNull();
        server.notify.inbox("alice").unsnooze(other);
        waitFor(By.cssSelector("li.notification[data-id='" + other + "']"));

        // Archive from the page.
        WebElement archived = browser.findElement(By.cssSelector(item));
        archived.findElement(By.cssSelector(".archive")).click();
        wait(WAIT).until(ExpectedConditions.stalenessOf(archived));
        assertThat(server.notify.inbox("alice").get(id).archived()).isTrue();
        assertThat(items()).hasSize(1);
        assertThat(js().executeScript("return window.notLoadedAgain === true")).isEqualTo(true);
        assertThat(pageErrors()).isEmpty();
    }

    @Test
    void inboxIsReadableOnAPhone() throws IOException {
        server = new TestServer();
        String token = server.token("alice");
        server.create("alice", "Your order #1042 has shipped");
        server.create("alice", "A very long notification title that has to wrap on a narrow screen without overflowing");
        browser.manage().window().setSize(new Dimension(390, 844));
        browser.get(server.url("/?token=" + token));
        awaitConnection("open");
        awaitBadge("2");
        awaitAnimationsDone();
        Number overflow = (Number) js().executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertThat(overflow.intValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
        WebElement markRead = browser.findElement(By.cssSelector("li.notification .mark-read"));
        assertThat(markRead.getSize().getHeight()).as("tap target height").isGreaterThanOrEqualTo(32);
        screenshot("inbox-phone.png");
        assertThat(pageErrors()).isEmpty();
    }

    @Test
    void signInWithAPastedTokenAndRefusalOfABadOne() {
        server = new TestServer();
        browser.get(server.url("/"));
        WebElement input = waitFor(By.id("token-input"));
        input.sendKeys("not-a-token");
        browser.findElement(By.id("sign-in")).click();
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "not accepted"));

        input.clear();
        input.sendKeys(server.token("bob"));
        browser.findElement(By.id("sign-in")).click();
        awaitConnection("open");
        assertThat(browser.findElement(By.id("signed-in-as")).getText()).contains("bob");
        long id = server.create("bob", "Hello Bob");
        waitFor(By.cssSelector("li.notification[data-id='" + id + "']"));

        browser.findElement(By.id("sign-out")).click();
        waitFor(By.id("token-input"));
        assertThat(js().executeScript("return sessionStorage.getItem('notify.token')")).isNull();
    }

    /** The README's snippet, pasted into a blank page served by another web server on another port. */
    @Test
    void readmeSnippetWorksOnAPageOfAnotherOrigin() throws IOException {
        otherOrigin = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        String frontend = "http://localhost:" + otherOrigin.getAddress().getPort();
        server = new TestServer(b -> { }, c -> c.corsOrigins = List.of(frontend));
        String notifyUrl = "http://localhost:" + server.app.port();
        String page = """
                <!doctype html>
                <meta charset="utf-8">
                <title>My app</title>
                <p>Unread: <span id="unread">?</span></p>
                <ul id="inbox"></ul>
                %s
                """.formatted(readmeSnippet(notifyUrl, server.token("alice")));
        otherOrigin.createContext("/", exchange -> {
            byte[] body = page.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        otherOrigin.start();

        browser.get(frontend + "/");
        wait(WAIT).until(ExpectedConditions.textToBe(By.id("unread"), "0"));
        server.create("alice", "Hello from another origin");
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("inbox"), "Hello from another origin"));
        wait(WAIT).until(ExpectedConditions.textToBe(By.id("unread"), "1"));
        assertThat(pageErrors()).isEmpty();
    }

    /** Kept equal to the README's "Embed notifications in any page" snippet. */
    static String readmeSnippet(String notifyUrl, String token) {
        return """
                <script type="module">
                  import { connect } from "https://notify.example.com/notify-client.js";

                  const notify = connect({ baseUrl: "https://notify.example.com", token: "YOUR_JWT" });
                  const unread = document.querySelector("#unread");
                  unread.textContent = await notify.unreadCount();

                  notify.on("notification", (n) => {
                    const li = document.createElement("li");
                    li.textContent = n.title;
                    document.querySelector("#inbox").prepend(li);
                    unread.textContent = Number(unread.textContent) + 1;
                  });
                  notify.on("state", ({ state }) => console.log("notify:", state));
                </script>
                """.replace("https://notify.example.com", notifyUrl).replace("YOUR_JWT", token);
    }

    // ---- helpers ----

    /** Creates a notification for alice through the HTTP API, as a publisher; returns its id. */
    private long publish(String type, String title, String message, String priority) {
        HttpResponse<String> r = server.post("/api/v1/notifications", server.token("backend", "publish"),
                Json.write(Map.of("recipient", "alice", "type", type, "title", title, "message", message,
                        "priority", priority)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> created = (List<Map<String, Object>>) TestServer.body(r).get("notifications");
        return ((Number) created.get(0).get("id")).longValue();
    }

    private void awaitAnimationsDone() {
        wait(WAIT).until(d -> Boolean.TRUE.equals(js().executeScript("return document.getAnimations().length === 0")));
    }

    private JavascriptExecutor js() {
        return (JavascriptExecutor) browser;
    }

    /**
     * A wait that polls again when the element it just found was re-rendered before it was read
     * (the page replaces a list item whenever its notification changes).
     */
    private WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    private WebElement waitFor(By by) {
        return wait(WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void awaitConnection(String state) {
        wait(WAIT).until(ExpectedConditions.attributeToBe(By.id("connection-state"), "data-state", state));
    }

    private void awaitBadge(String count) {
        wait(WAIT).until(ExpectedConditions.attributeToBe(By.id("unseen-badge"), "data-count", count));
    }

    private String badge() {
        return browser.findElement(By.id("unseen-badge")).getAttribute("data-count");
    }

    private List<WebElement> items() {
        return browser.findElements(By.cssSelector("#notification-list li.notification"));
    }

    /** Console errors from the page's own code or from a blocked resource (CSP, CORS). */
    private List<String> pageErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(entry.getMessage());
            }
        }
        return errors;
    }

    private void screenshot(String name) throws IOException {
        Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path target = ARTIFACTS.resolve(name);
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }
}

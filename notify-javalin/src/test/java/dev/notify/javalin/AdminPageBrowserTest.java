package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.email.EmailChannel;
import dev.notify.email.SmtpSettings;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.outbox.RetryPolicy;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
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
 * The admin page in headless Chromium: with the SMTP server down an email row dies; the page
 * shows it with its attempts and last error; once the SMTP server (GreenMail) is up, "Retry" on
 * the page makes it due again and it is delivered. Without an admin token the page shows nothing.
 * Skipped when Chromium is missing, unless {@code NOTIFY_TEST_REQUIRE_BROWSER} is set.
 */
class AdminPageBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final Path ARTIFACTS = Path.of(System.getenv().getOrDefault("NOTIFY_TEST_TMP", "target"));
    private static final Duration WAIT = Duration.ofSeconds(15);

    static {
        java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder").setLevel(Level.OFF);
    }

    @TempDir
    Path profile;
    private TestServer server;
    private WebDriver browser;
    private GreenMail smtp;

    @BeforeEach
    void startBrowser() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (System.getenv("NOTIFY_TEST_REQUIRE_BROWSER") != null) {
            assertThat(installed).as("NOTIFY_TEST_REQUIRE_BROWSER is set but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install -y chromium chromium-driver").isTrue();
        }
        assumeTrue(installed, "headless Chromium not installed (apt-get install -y chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1200,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void listsADeadRowRetriesItAndTheEmailIsDelivered() throws Exception {
        int smtpPort = freePort(); // nothing listens there yet: the SMTP server is down
        EmailChannel email = EmailChannel.builder(SmtpSettings.builder().host("127.0.0.1").port(smtpPort)
                .from("noreply@shop.example").build()).build();
        TemplateRegistry templates = TemplateRegistry.builder()
                .template(Template.builder("order_shipped").type("order_shipped").defaultLocale(Locale.ENGLISH)
                        .locale(Locale.ENGLISH, Template.Parts.of("Order {{order}} shipped", "On its way"))
                        .locale(Locale.FRENCH, Template.Parts.of("Commande {{order}} expédiée", "En route"))
                        .build())
                .build();
        server = new TestServer(b -> b.channel(email).templates(templates).outbox(OutboxSettings.ofDefaults()
                .withWorkers(1).withPollInterval(Duration.ofMillis(200))
                .withRetry(new RetryPolicy(1, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(1), 0.0))), c -> { });
        server.notify.recipients().put(new Recipient("alice", "alice@shop.example", "Alice", Locale.ENGLISH, null));
        server.notify.topics().subscribe("warehouse", "alice");
        server.notify.topics().subscribe("warehouse", "bob");
        server.notify.send(SendRequest.to("alice").type("order_shipped").title("Order 7 shipped").build());
        await().atMost(WAIT).until(() -> server.notify.outbox().list(OutboxStatus.DEAD, "email", 0, 10).size() == 1);
        OutboxEntry dead = server.notify.outbox().list(OutboxStatus.DEAD, "email", 0, 10).get(0);

        // Without a token the page is an empty shell; a non-admin token is refused.
        browser.get(server.url("/admin"));
        assertThat(browser.findElement(By.id("views")).isDisplayed()).isFalse();
        signIn(server.token("alice"));
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "insufficient_scope"));
        assertThat(browser.findElement(By.id("views")).isDisplayed()).isFalse();

        signIn(server.token("ops", "admin"));
        WebElement deadCount = wait(WAIT).until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#counts tr[data-channel='email'] td[data-status='dead'] button")));
        assertThat(deadCount.getText()).isEqualTo("1");
        deadCount.click();
        WebElement row = wait(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#rows tr[data-id='" + dead.id() + "']")));
        assertThat(row.getText()).contains("alice@shop.example", "dead", "1");
        assertThat(row.findElement(By.cssSelector("td.error")).getText()).isNotBlank().isEqualTo(dead.lastError());

        // Templates, preview per locale, topics, recipient lookup.
        browser.findElement(By.xpath("//ul[@id='template-list']//button[text()='order_shipped']")).click();
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("preview-locale"))).selectByVisibleText("fr");
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("preview-text"), "Commande"));
        browser.findElement(By.xpath("//ul[@id='topic-list']//button[text()='warehouse']")).click();
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("members"), "bob"));
        browser.findElement(By.id("user-id")).sendKeys("alice");
        browser.findElement(By.cssSelector("#lookup button")).click();
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("recipient"), "alice@shop.example"));
        screenshot("admin.png");

        // The SMTP server comes up; retry the row from the page.
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        row.findElement(By.xpath(".//button[text()='Retry']")).click();
        wait(WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "is due again"));
        assertThat(smtp.waitForIncomingEmail(WAIT.toMillis(), 1)).isTrue();
        assertThat(smtp.getReceivedMessages()[0].getAllRecipients()[0].toString()).isEqualTo("alice@shop.example");
        await().atMost(WAIT).until(() -> server.notify.outbox().list(null, "email", 0, 10).get(0).status()
                == OutboxStatus.DELIVERED);
        assertThat(pageErrors()).isEmpty();
    }

    @Test
    void retryAllDeadRowsOfAChannelNeedsAdminAndRevivesEveryOne() throws Exception {
        int smtpPort = freePort();
        EmailChannel email = EmailChannel.builder(SmtpSettings.builder().host("127.0.0.1").port(smtpPort)
                .from("noreply@shop.example").build()).build();
        // One row per batch and a breaker that stays closed, so that each row spends its one attempt
        // on the refused connection and dies (an open breaker would set the others aside instead).
        server = new TestServer(b -> b.channel(email).outbox(OutboxSettings.ofDefaults().withWorkers(0)
                .withBatchSize(1).withBreaker(100, Duration.ofSeconds(10))
                .withRetry(new RetryPolicy(1, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(1), 0.0))), c -> { });
        for (String user : List.of("a", "b", "c")) {
            server.notify.recipients().put(new Recipient(user, user + "@shop.example", null, null, null));
            server.notify.send(SendRequest.to(user).type("t").title("hello").build());
        }
        server.notify.outbox().deliverDue();
        assertThat(server.notify.outbox().list(OutboxStatus.DEAD, "email", 0, 10)).hasSize(3);
        assertThat(server.post("/api/v1/admin/outbox/retry-dead?channel=email", server.token("svc", "publish"), "")
                .statusCode()).isEqualTo(403);
        assertThat(server.post("/api/v1/admin/outbox/retry-dead", server.token("ops", "admin"), "").statusCode())
                .isEqualTo(400);
        HttpResponse<String> r = server.post("/api/v1/admin/outbox/retry-dead?channel=email",
                server.token("ops", "admin"), "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"channel\":\"email\",\"retried\":3}\n");
        assertThat(server.notify.outbox().list(OutboxStatus.PENDING, "email", 0, 10)).hasSize(3);
        // Page and assets carry no data and are served with a CSP; the admin JSON needs the admin scope.
        HttpResponse<String> page = server.get("/admin", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'");
        assertThat(server.get("/api/v1/admin/topics", null).statusCode()).isEqualTo(401);
        assertThat(server.get("/api/v1/admin/recipients/a", server.token("a")).statusCode()).isEqualTo(403);
    }

    private void signIn(String token) {
        if (!browser.findElement(By.id("signin")).isDisplayed()) {
            browser.findElement(By.id("signout")).click();
        }
        WebElement field = browser.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        browser.findElement(By.cssSelector("#signin button")).click();
    }

    private WebDriverWait wait(Duration d) {
        return new WebDriverWait(browser, d);
    }

    private List<String> pageErrors() {
        List<String> errors = new java.util.ArrayList<>();
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            // A refused non-admin token is an expected 403 in the console.
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !entry.getMessage().contains("403")) {
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

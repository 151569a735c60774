package dev.notify.testing;

import dev.notify.EventBus;
import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.Recipient;
import dev.notify.StreamEvent;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import dev.notify.template.TemplateRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A {@link Notify} for a host application's unit tests: an in-memory H2 database of its own,
 * recording {@code email} and {@code push} channels instead of SMTP and Web Push, and assertions
 * on what was sent. Outbox workers are off: deliveries are made when a test asks for them
 * ({@link #deliveries}, {@link #assertDelivered}), with the kit's clock, so quiet hours and
 * escalation delays behave as the clock says. Close it after each test.
 *
 * <p>Every email and push destination is recorded: the address of the recipient's profile (or
 * the request's explicit email) for email, else the user id; the user id for push.
 */
public final class NotifyTestKit implements AutoCloseable {
    private final Notify notify;
    private final List<Notification> sent = new CopyOnWriteArrayList<>();
    private final RecordingChannel email = new RecordingChannel("email");
    private final RecordingChannel push = new RecordingChannel("push");

    private NotifyTestKit(Builder b) {
        EventBus bus = EventBus.local();
        bus.subscribe(event -> {
            if (event.kind() == StreamEvent.Kind.NOTIFICATION && event.notification() != null) {
                sent.add(event.notification());
            }
        });
        Notify.Builder nb = Notify.builder()
                .jdbcUrl("jdbc:h2:mem:notify_kit_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1")
                .poolSize(2)
                .eventBus(bus)
                .clock(b.clock)
                .templates(b.templates)
                .outbox(OutboxSettings.ofDefaults().withWorkers(0))
                .channel(email)
                .channel(push);
        b.customize.accept(nb);
        this.notify = nb.build();
    }

    /** A kit with no templates and the system clock. */
    public static NotifyTestKit create() {
        return builder().build();
    }

    /** Starts configuring a kit. */
    public static Builder builder() {
        return new Builder();
    }

    /** The {@link Notify} to hand to the code under test. */
    public Notify notifier() {
        return notify;
    }

    /** Every notification stored so far (one per recipient), in the order they were sent. */
    public List<Notification> sent() {
        return List.copyOf(sent);
    }

    /** The notifications stored so far that meet every matcher. */
    public List<Notification> sent(NotificationMatcher... matchers) {
        return sent.stream().filter(n -> all(n, matchers)).toList();
    }

    /**
     * Delivers what is due, then returns every delivery recorded on {@code channel} ({@code email}
     * or {@code push}) so far.
     */
    public List<Delivery> deliveries(String channel) {
        notify.outbox().deliverDue();
        return List.copyOf(recorder(channel).delivered);
    }

    /** @throws AssertionError unless at least one notification meeting every matcher was sent */
    public void assertSent(NotificationMatcher... matchers) {
        if (sent(matchers).isEmpty()) {
            throw new AssertionError("expected a notification " + describe(matchers) + " but " + listing(sent));
        }
    }

    /** @throws AssertionError unless exactly {@code count} notifications meeting every matcher were sent */
    public void assertSent(int count, NotificationMatcher... matchers) {
        List<Notification> matching = sent(matchers);
        if (matching.size() != count) {
            throw new AssertionError("expected " + count + " notification(s) " + describe(matchers) + " but found "
                    + matching.size() + "; " + listing(sent));
        }
    }

    /** @throws AssertionError if any notification meeting every matcher was sent */
    public void assertNotSent(NotificationMatcher... matchers) {
        List<Notification> matching = sent(matchers);
        if (!matching.isEmpty()) {
            throw new AssertionError("expected no notification " + describe(matchers) + " but " + listing(matching));
        }
    }

    /** @throws AssertionError if anything at all was sent */
    public void assertNothingSent() {
        if (!sent.isEmpty()) {
            throw new AssertionError("expected nothing sent but " + listing(sent));
        }
    }

    /**
     * Delivers what is due, then checks that {@code channel} delivered a notification meeting
     * every matcher.
     *
     * @throws AssertionError otherwise
     */
    public void assertDelivered(String channel, NotificationMatcher... matchers) {
        List<Delivery> all = deliveries(channel);
        if (all.stream().noneMatch(d -> all(d.notification(), matchers))) {
            throw new AssertionError("expected a " + channel + " delivery " + describe(matchers) + " but "
                    + listing(all.stream().map(Delivery::notification).toList()));
        }
    }

    /** Delivers what is due, then checks that {@code channel} delivered nothing. */
    public void assertNothingDelivered(String channel) {
        List<Delivery> all = deliveries(channel);
        if (!all.isEmpty()) {
            throw new AssertionError("expected no " + channel + " delivery but "
                    + listing(all.stream().map(Delivery::notification).toList()));
        }
    }

    /** Forgets what was sent and delivered so far (the database keeps it). */
    public void reset() {
        notify.outbox().deliverDue();
        sent.clear();
        email.delivered.clear();
        push.delivered.clear();
    }

    @Override
    public void close() {
        notify.close();
    }

    // ---- matchers ----

    /** Sent to this user id. */
    public static NotificationMatcher to(String recipient) {
        return new NotificationMatcher("to " + recipient, n -> n.recipient().equals(recipient));
    }

    /** Of this type (a template's type for templated sends). */
    public static NotificationMatcher type(String type) {
        return new NotificationMatcher("of type " + type, n -> n.type().equals(type));
    }

    /** With exactly this title. */
    public static NotificationMatcher title(String title) {
        return new NotificationMatcher("titled '" + title + "'", n -> n.title().equals(title));
    }

    /** With a title containing {@code text}. */
    public static NotificationMatcher titleContains(String text) {
        return new NotificationMatcher("with a title containing '" + text + "'", n -> n.title().contains(text));
    }

    /** With a message containing {@code text}. */
    public static NotificationMatcher messageContains(String text) {
        return new NotificationMatcher("with a message containing '" + text + "'", n -> n.message().contains(text));
    }

    /** With {@code data[key]} equal to {@code value} (numbers compared by value). */
    public static NotificationMatcher data(String key, Object value) {
        return new NotificationMatcher("with data " + key + "=" + value, n -> {
            Object actual = n.data().get(key);
            if (actual instanceof Number a && value instanceof Number v) {
                return a.doubleValue() == v.doubleValue();
            }
            return Objects.equals(actual, value);
        });
    }

    private static boolean all(Notification n, NotificationMatcher... matchers) {
        return Arrays.stream(matchers).allMatch(m -> m.matches(n));
    }

    private static String describe(NotificationMatcher... matchers) {
        return matchers.length == 0 ? "of any kind"
                : Arrays.stream(matchers).map(Object::toString).collect(Collectors.joining(", "));
    }

    private static String listing(List<Notification> notifications) {
        if (notifications.isEmpty()) {
            return "none was sent";
        }
        return "sent were: " + notifications.stream()
                .map(n -> "[to " + n.recipient() + ", type " + n.type() + ", '" + n.title() + "']")
                .collect(Collectors.joining(", "));
    }

    private RecordingChannel recorder(String channel) {
        return switch (channel) {
            case "email" -> email;
            case "push" -> push;
            default -> throw new IllegalArgumentException("the kit records 'email' and 'push', not '" + channel + "'");
        };
    }

    /** Records every delivery; always succeeds. */
    private static final class RecordingChannel implements DeliveryChannel {
        final List<Delivery> delivered = new CopyOnWriteArrayList<>();
        private final String name;

        RecordingChannel(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        /** The recorded email channel takes digests and escalation, as the SMTP channel does. */
        @Override
        public boolean takesDigests() {
            return name.equals("email");
        }

        @Override
        public boolean takesEscalation() {
            return name.equals("email");
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            if (name.equals("email")) {
                String explicit = target.request().email();
                if (explicit != null) {
                    return List.of(explicit);
                }
                return List.of(target.profile().map(Recipient::email).filter(e -> !e.isBlank())
                        .orElse(target.recipient()));
            }
            return List.of(target.recipient());
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            List<DeliveryOutcome> outcomes = new ArrayList<>(batch.size());
            for (Delivery d : batch) {
                delivered.add(d);
                outcomes.add(DeliveryOutcome.delivered());
            }
            return outcomes;
        }
    }

    /** Configures a {@link NotifyTestKit}. */
    public static final class Builder {
        private TemplateRegistry templates = TemplateRegistry.builder().build();
        private Clock clock = Clock.systemUTC();
        private Consumer<Notify.Builder> customize = b -> { };

        private Builder() {
        }

        /** The templates the code under test sends from. */
        public Builder templates(TemplateRegistry templates) {
            this.templates = Objects.requireNonNull(templates, "templates");
            return this;
        }

        /** The clock (for quiet hours and escalation delays); default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Further settings of the underlying {@link Notify.Builder} (e.g. a recipient directory). */
        public Builder customize(Consumer<Notify.Builder> customize) {
            this.customize = Objects.requireNonNull(customize, "customize");
            return this;
        }

        /** Starts the kit's {@link Notify}. */
        public NotifyTestKit build() {
            return new NotifyTestKit(this);
        }
    }
}

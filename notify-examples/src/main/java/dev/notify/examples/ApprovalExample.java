package dev.notify.examples;

import dev.notify.Notification;
import dev.notify.NotificationAction;
import dev.notify.Notify;
import dev.notify.SendRequest;
import java.io.PrintStream;
import java.util.Map;

/**
 * A notification with action buttons: alice is asked to approve an expense report; performing the
 * "approve" callback (as the inbox page's button or {@code POST /{id}/actions/approve} would) reaches
 * the host's listener once, however often it is performed.
 *
 * <p>{@link #main} uses an in-memory H2 database; {@link #run} is what tests call.
 */
public final class ApprovalExample {
    private ApprovalExample() {
    }

    /** The host's side of an approval: what its application does when someone decides. */
    public static final class Approvals {
        private final PrintStream out;

        Approvals(PrintStream out) {
            this.out = out;
        }

        /** Records a decision; {@code payload} is the action's opaque payload, {@code user} who performed it. */
        void decide(Map<String, Object> payload, String user) {
            out.println("decided: " + user + " " + payload);
        }
    }

    /** Runs the example on an in-memory H2 database, printing to standard output. */
    public static void main(String[] args) {
        run("jdbc:h2:mem:approvals;DB_CLOSE_DELAY=-1", System.out);
    }

    /**
     * Sends the approval request, performs its "approve" action twice and prints the buttons, each
     * decision the listener receives ({@code decided:}) and whether each call was the first.
     *
     * @param jdbcUrl an H2 or PostgreSQL JDBC URL; notify creates its tables there
     * @param out     where the lines go
     */
    public static void run(String jdbcUrl, PrintStream out) {
        Approvals approvals = new Approvals(out);
        // README:actions:start
        try (Notify notify = Notify.builder().jdbcUrl(jdbcUrl)
                .onAction(done -> approvals.decide(done.action().payload(), done.notification().recipient()))
                .build()) {
            Notification request = notify.send(SendRequest.to("alice").type("approval")
                    .title("Approve expense report 12?")
                    .key("expense-12")
                    .action(NotificationAction.callback("approve", "Approve", Map.of("report", 12))
                            .withStyle(NotificationAction.Style.PRIMARY))
                    .action(NotificationAction.callback("reject", "Reject", Map.of("report", 12))
                            .withStyle(NotificationAction.Style.DANGER))
                    .action(NotificationAction.link("open", "Open", "/expenses/12"))
                    .build()).first();
            request.actions().forEach(a -> out.println("button: " + a.label()));
            // The page's "Approve" button; a second click changes nothing and calls no listener.
            out.println("first: " + notify.inbox("alice").performAction(request.id(), "approve").first());
            out.println("first: " + notify.inbox("alice").performAction(request.id(), "approve").first());
        }
        // README:actions:end
    }
}

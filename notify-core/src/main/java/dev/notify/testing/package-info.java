/**
 * A test kit for applications that embed notify: {@link dev.notify.testing.NotifyTestKit} builds
 * an in-memory H2 {@link dev.notify.Notify} with recording {@code email} and {@code push}
 * channels, and asserts on what the application sent, without a server or SMTP. It depends on no
 * test framework: failed assertions throw {@link java.lang.AssertionError}, which JUnit, TestNG
 * and others report as failures.
 *
 * <pre>{@code
 * try (NotifyTestKit kit = NotifyTestKit.builder().templates(templates).build()) {
 *     new OrderService(kit.notifier()).create(order);
 *     kit.assertSent(to("42"), type("new_order"));
 *     kit.assertDelivered("email", to("42"));
 * }
 * }</pre>
 */
package dev.notify.testing;

/**
 * The transactional outbox: out-of-band deliveries (email, Web Push) are stored in the same
 * transaction as their notification, then delivered by workers with leases, retries with
 * backoff, and a dead state. {@link dev.notify.outbox.DeliveryChannel} is the seam a channel
 * implements.
 */
package dev.notify.outbox;

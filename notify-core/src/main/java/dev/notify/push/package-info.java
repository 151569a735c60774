/**
 * Web Push: the {@link dev.notify.push.PushChannel} delivery channel, browsers'
 * {@link dev.notify.push.PushSubscription}s and their {@link dev.notify.push.PushSubscriptionStore},
 * and the application server's VAPID identity ({@link dev.notify.push.VapidKeys},
 * {@link dev.notify.push.VapidSubject}).
 *
 * <p>Standards: RFC 8030 (Generic Event Delivery Using HTTP Push: the POST to the push service and
 * its {@code TTL}, {@code Urgency} and {@code Topic} headers), RFC 8291 (Message Encryption for
 * Web Push) with RFC 8188 (the aes128gcm content coding), RFC 8292 (VAPID).
 */
package dev.notify.push;

/**
 * Implementation detail of notify-javalin. Unsupported: nothing outside notify should import
 * these classes; they change without notice.
 */
package dev.notify.javalin.internal;

/**
 * Implementation detail of notify. Unsupported: nothing outside notify's own modules should
 * import these classes; they change without notice.
 */
package dev.notify.internal;

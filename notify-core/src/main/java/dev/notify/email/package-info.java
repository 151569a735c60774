/** The email channel: SMTP delivery with angus-mail, and one-click unsubscribe links (RFC 8058). */
package dev.notify.email;

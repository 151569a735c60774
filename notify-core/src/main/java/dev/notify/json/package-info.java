/**
 * notify's JSON conventions, shared by the HTTP API, the Server-Sent Events and the WebSocket
 * messages: snake_case field names, ISO-8601 UTC times, and the wire shape of a notification.
 */
package dev.notify.json;

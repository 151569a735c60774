/**
 * notify-client.js: the browser client for a notify server. A plain ES module, no build step, no
 * dependencies; import it straight from the server:
 *
 *   import { connect } from "https://notify.example.com/notify-client.js";
 *   const notify = connect({ baseUrl: "https://notify.example.com", token: jwt });
 *   notify.on("notification", (n) => console.log(n.title));
 *
 * The live stream is Server-Sent Events. EventSource cannot send an Authorization header, so
 * before each connection the client trades the token for a short-lived, single-use ticket
 * (POST .../sse/ticket) and puts only that in the URL. When the stream drops, the client
 * reconnects with exponential backoff and jitter, and resumes after the last notification it saw
 * (?last_event_id=), so nothing is missed and nothing arrives twice.
 *
 * Events (subscribe with on(name, listener), which returns a function that unsubscribes):
 *   "notification"  a new notification: { id, seq, type, title, message, data, link, priority,
 *                   read, created_at, read_at, recipient, seen, seen_at, archived_at,
 *                   snoozed_until, expires_at, updated_at, key, category, actions }
 *   "updated"       a notification replaced by a send with the same key (same id, new content,
 *                   unread and unseen again, a new seq): replace it in place
 *   "read"          { notification_id }: marked read, here or in another tab or device
 *   "all_read"      { count, up_to_seq }: everything up to that sequence was marked read
 *   "deleted"       { notification_id }
 *   "seen", "read_many", "archived", "unarchived"
 *                   bulk changes: { count, and notification_id | notification_ids |
 *                   notification_type | before_seq | nothing (all), only_read }, applying to the
 *                   notifications with a lower seq than the event's; test one with
 *                   matches(event, notification)
 *   "snoozed"       { notification_id, snoozed_until }
 *   "unsnoozed"     { notification_id, notification }: back, unseen
 *   "action"        { notification_id, action_id, payload, performed_at }: a callback action was
 *                   performed (the notification is read)
 *   "state"         { state: "connecting" | "open" | "closed", reconnected, attempt, retryInMs,
 *                   reason }: "closed" with a retryInMs waits to reconnect; without one it is
 *                   final (close() was called, or the token was refused: reason "unauthorized")
 *
 * Cross-origin pages: the server must list the page's origin in its CORS origins (FRONTEND_URL).
 */

const DEFAULT_API_PATH = "/api/v1/notifications";

/** An HTTP API error: status, the server's stable code, and its message. */
export class NotifyError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "NotifyError";
    this.status = status;
    this.code = code;
  }
}

/**
 * Creates a client and starts its live stream.
 *
 * @param {object} options
 * @param {string} [options.baseUrl]      the notify server, e.g. "https://notify.example.com";
 *                                        default: this page's origin
 * @param {string} [options.token]        a JWT whose sub is the user
 * @param {() => Promise<string>|string} [options.getToken]  returns a current JWT, called before
 *                                        every request (for tokens that are refreshed)
 * @param {() => Promise<string>|string} [options.getTicket] returns a stream ticket, e.g. from the
 *                                        app's own backend; default: POST .../sse/ticket with the token
 * @param {string} [options.apiPath]      default "/api/v1/notifications"
 * @param {string|number} [options.lastEventId]  resume after this notification sequence
 * @param {number} [options.minDelayMs]   first reconnect delay, default 1000
 * @param {number} [options.maxDelayMs]   longest reconnect delay, default 30000
 * @param {boolean} [options.stream]      false to use only the request helpers; default true
 * @returns {NotifyClient}
 */
export function connect(options = {}) {
  const client = new NotifyClient(options);
  if (options.stream !== false) {
    client.start();
  }
  return client;
}

export class NotifyClient {
  #baseUrl;
  #apiPath;
  #token;
  #getToken;
  #getTicket;
  #minDelay;
  #maxDelay;
  #listeners = new Map();
  #source = null;
  #state = "closed";
  #stopped = true;
  #attempt = 0;
  #everOpened = false;
  #retryTimer = null;
  #watchdog = null;
  #heartbeatMs = 30000;
  #onOnline = () => {
    if (!this.#stopped && this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
      this.#open();
    }
  };

  /** The sequence number of the last change received: where a reconnect resumes. */
  lastEventId = null;

  constructor(options = {}) {
    const origin = typeof location !== "undefined" ? location.origin : "";
    this.#baseUrl = String(options.baseUrl || origin).replace(/\/+$/, "");
    this.#apiPath = options.apiPath || DEFAULT_API_PATH;
    this.#token = options.token || null;
    this.#getToken = options.getToken || null;
    this.#getTicket = options.getTicket || null;
    this.#minDelay = options.minDelayMs ?? 1000;
    this.#maxDelay = options.maxDelayMs ?? 30000;
    this.lastEventId = options.lastEventId ?? null;
  }

  /** "connecting", "open" or "closed". */
  get state() {
    return this.#state;
  }

  /** Subscribes to an event (see the module comment); returns a function that unsubscribes. */
  on(name, listener) {
    if (!this.#listeners.has(name)) {
      this.#listeners.set(name, new Set());
    }
    this.#listeners.get(name).add(listener);
    return () => this.off(name, listener);
  }

  off(name, listener) {
    this.#listeners.get(name)?.delete(listener);
  }

  /** Opens the live stream (connect() already did, unless stream: false). */
  start() {
    if (!this.#stopped) {
      return;
    }
    this.#stopped = false;
    this.#attempt = 0;
    if (typeof window !== "undefined") {
      window.addEventListener("online", this.#onOnline);
    }
    this.#open();
  }

  /** Closes the live stream for good; the request helpers keep working. */
  close() {
    this.#stopped = true;
    if (typeof window !== "undefined") {
      window.removeEventListener("online", this.#onOnline);
    }
    this.#teardown();
    this.#setState("closed", { reason: "closed" });
  }

  // ---- requests ----

  /**
   * One page of the inbox, newest first: { notifications, next_cursor, has_more }. Archived and
   * snoozed notifications are listed only with archived: true or snoozed: true.
   */
  list({ unread, unseen, archived, snoozed, type, category, priority, cursor, limit } = {}) {
    const query = new URLSearchParams();
    if (unread) query.set("unread", "true");
    if (unseen) query.set("unseen", "true");
    if (archived) query.set("archived", "true");
    if (snoozed) query.set("snoozed", "true");
    if (type) query.set("type", type);
    if (category) query.set("category", category);
    if (priority) query.set("priority", priority);
    if (cursor) query.set("cursor", cursor);
    if (limit) query.set("limit", String(limit));
    const qs = query.toString();
    return this.#request("GET", qs ? `?${qs}` : "");
  }

  /** How many notifications are unread. */
  async unreadCount() {
    return (await this.#request("GET", "/unread-count")).unread_count;
  }

  /** Marks one notification read; returns it as now stored. */
  markRead(id) {
    return this.#request("POST", `/${encodeURIComponent(id)}/read`);
  }

  /** Marks every notification read; returns how many were unread. */
  async markAllRead() {
    return (await this.#request("POST", "/mark-all-read")).marked;
  }

  /** Deletes one notification. */
  async delete(id) {
    await this.#request("DELETE", `/${encodeURIComponent(id)}`);
  }

  // A selection, for the bulk methods: { ids: [...] }, { notification_type }, { before_seq },
  // { up_to_seq }, or {} / nothing for every notification.

  /** How many notifications are unseen: the badge. */
  async unseenCount() {
    return (await this.#request("GET", "/unseen-count")).unseen_count;
  }

  /** Marks notifications seen (e.g. { up_to_seq } of what a list showed); returns how many were unseen. */
  async markSeen(selection = {}) {
    return (await this.#request("POST", "/mark-seen", selection)).marked;
  }

  /** Marks notifications read; returns how many were unread. */
  async markManyRead(selection = {}) {
    return (await this.#request("POST", "/mark-read", selection)).marked;
  }

  /** Archives one notification; returns it as now stored. */
  archive(id) {
    return this.#request("POST", `/${encodeURIComponent(id)}/archive`);
  }

  /** Takes one notification out of the archive; returns it. */
  unarchive(id) {
    return this.#request("POST", `/${encodeURIComponent(id)}/unarchive`);
  }

  /** Archives notifications; returns how many. */
  async archiveMany(selection = {}) {
    return (await this.#request("POST", "/archive", selection)).archived;
  }

  /** Archives every read notification; returns how many. */
  async archiveAllRead() {
    return (await this.#request("POST", "/archive-all-read")).archived;
  }

  /** Takes notifications out of the archive; returns how many. */
  async unarchiveMany(selection = {}) {
    return (await this.#request("POST", "/unarchive", selection)).unarchived;
  }

  /** Snoozes one notification until a Date (or ISO-8601 string); returns it. */
  snooze(id, until) {
    const iso = until instanceof Date ? until.toISOString() : String(until);
    return this.#request("POST", `/${encodeURIComponent(id)}/snooze`, { until: iso });
  }

  /** Ends a snooze now; returns the notification, unseen. */
  unsnooze(id) {
    return this.#request("POST", `/${encodeURIComponent(id)}/unsnooze`);
  }

  /**
   * Performs a callback action: { notification, action_id, performed_at, first }. Performing it
   * again changes nothing (first: false).
   */
  performAction(id, actionId) {
    return this.#request("POST", `/${encodeURIComponent(id)}/actions/${encodeURIComponent(actionId)}`);
  }

  /** Deletes the notification sent with a replace key. */
  async deleteByKey(key) {
    await this.#request("DELETE", `/by-key/${encodeURIComponent(key)}`);
  }

  /** The user's channel switches: { channels: { email: true, push: false } }. */
  settings() {
    return this.#request("GET", "/settings");
  }

  /** Changes some channel switches, e.g. { email: false }; returns all of them. */
  updateSettings(channels) {
    return this.#request("PUT", "/settings", { channels });
  }

  // ---- Web Push (RFC 8030; VAPID per RFC 8292) ----

  /**
   * Turns on browser push for this user: registers the service worker (default `/sw.js`, served
   * by notify), asks for permission, subscribes with the server's VAPID public key and stores the
   * subscription. Returns the stored subscription, or throws a NotifyError when push is not
   * configured, unsupported or the permission is denied. Call it from a click handler: browsers
   * only show the permission prompt for a user gesture.
   */
  async enablePush({ serviceWorker = "/sw.js" } = {}) {
    if (typeof navigator === "undefined" || !("serviceWorker" in navigator) || typeof PushManager === "undefined") {
      throw new NotifyError(0, "push_unsupported", "this browser does not support Web Push");
    }
    const { public_key: publicKey } = await this.#request("GET", "/push/public-key");
    const registration = await navigator.serviceWorker.register(serviceWorker);
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      throw new NotifyError(0, "push_denied", "notification permission was not granted");
    }
    const existing = await registration.pushManager.getSubscription();
    const subscription = existing || await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(publicKey),
    });
    return this.#request("POST", "/push/subscribe", subscription.toJSON());
  }

  /** Turns off browser push on this browser: unsubscribes here and at the server. */
  async disablePush() {
    if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
    const registration = await navigator.serviceWorker.getRegistration();
    const subscription = registration && await registration.pushManager.getSubscription();
    if (!subscription) return;
    await this.#request("POST", "/push/unsubscribe", { endpoint: subscription.endpoint }).catch(() => {});
    await subscription.unsubscribe();
  }

  /** A fresh single-use stream ticket (what the stream uses; also accepted by the WebSocket). */
  async ticket() {
    if (this.#getTicket) {
      return await this.#getTicket();
    }
    return (await this.#request("POST", "/sse/ticket")).ticket;
  }

  async #authorization() {
    const token = this.#getToken ? await this.#getToken() : this.#token;
    if (!token) {
      throw new NotifyError(401, "unauthenticated", "no token: pass token or getToken to connect()");
    }
    return `Bearer ${token}`;
  }

  async #request(method, path, body) {
    const headers = { Authorization: await this.#authorization(), Accept: "application/json" };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.#baseUrl + this.#apiPath + path, init);
    if (response.status === 204) {
      return null;
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // reported below
    }
    if (!response.ok) {
      const error = json && json.error ? json.error : {};
      throw new NotifyError(response.status, error.code || "http_" + response.status,
        error.message || `${method} ${path} answered ${response.status}`);
    }
    return json;
  }

  // ---- the stream ----

  async #open() {
    this.#retryTimer = null;
    if (this.#stopped) {
      return;
    }
    this.#setState("connecting");
    let ticket;
    try {
      ticket = await this.ticket();
    } catch (e) {
      if (e instanceof NotifyError && (e.status === 401 || e.status === 403)) {
        this.#stopped = true;
        this.#setState("closed", { reason: "unauthorized", error: e });
      } else {
        this.#retry(e.message || "ticket request failed");
      }
      return;
    }
    if (this.#stopped) {
      return;
    }
    const url = new URL(this.#baseUrl + this.#apiPath + "/sse/stream", location.href);
    url.searchParams.set("ticket", ticket);
    if (this.lastEventId !== null && this.lastEventId !== undefined && this.lastEventId !== "") {
      url.searchParams.set("last_event_id", String(this.lastEventId));
    }
    const source = new EventSource(url.toString());
    this.#source = source;
    const current = () => this.#source === source;
    source.onopen = () => {
      if (!current()) return;
      const reconnected = this.#everOpened;
      this.#everOpened = true;
      this.#attempt = 0;
      this.#touch();
      this.#setState("open", { reconnected });
    };
    source.onerror = () => {
      if (!current()) return;
      // The browser would retry with the same URL, whose ticket is spent: take over.
      this.#teardown();
      this.#retry("stream lost");
    };
    source.addEventListener("connection_established", (e) => {
      if (!current()) return;
      // The greeting's id is where this stream starts: resuming from it misses nothing, even if
      // the stream drops before its first notification.
      if (e.lastEventId) {
        this.lastEventId = e.lastEventId;
      }
      const hello = parse(e.data);
      if (hello && hello.heartbeat_seconds > 0) {
        this.#heartbeatMs = hello.heartbeat_seconds * 1000;
      }
      this.#touch();
    });
    source.addEventListener("heartbeat", () => current() && this.#touch());
    // Every change carries its sequence number as id: a reconnect resumes after the last one.
    for (const [wire, name] of EVENTS) {
      source.addEventListener(wire, (e) => {
        if (!current()) return;
        this.#touch();
        if (e.lastEventId) {
          this.lastEventId = e.lastEventId;
        }
        const payload = parse(e.data);
        if (payload && e.lastEventId) {
          Object.defineProperty(payload, "event_seq", { value: Number(e.lastEventId), enumerable: false });
        }
        this.#emit(name, payload);
      });
    }
  }

  #retry(reason) {
    if (this.#stopped) {
      return;
    }
    // Exponential backoff with jitter: half the delay fixed, half random, so that many clients
    // dropped at once (a server restart) do not all come back in the same instant.
    const ceiling = Math.min(this.#maxDelay, this.#minDelay * 2 ** this.#attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    this.#attempt++;
    this.#setState("closed", { reason, retryInMs: delay });
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  /** Restarts the watchdog: a stream silent for two heartbeats is dead even if TCP has not noticed. */
  #touch() {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      if (this.#source) {
        this.#teardown();
        this.#retry("no heartbeat");
      }
    }, this.#heartbeatMs * 2 + 5000);
  }

  #teardown() {
    clearTimeout(this.#watchdog);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#source) {
      this.#source.close();
      this.#source = null;
    }
  }

  #setState(state, detail = {}) {
    this.#state = state;
    this.#emit("state", { state, attempt: this.#attempt, reconnected: false, ...detail });
  }

  #emit(name, payload) {
    for (const listener of [...(this.#listeners.get(name) || [])]) {
      try {
        listener(payload);
      } catch (e) {
        console.error(`notify: a "${name}" listener failed`, e);
      }
    }
  }
}

/** The stream's events (wire name) and the client's names for them. */
const EVENTS = [
  ["notification", "notification"],
  ["notification_updated", "updated"],
  ["notification_read", "read"],
  ["all_read", "all_read"],
  ["notification_deleted", "deleted"],
  ["notifications_seen", "seen"],
  ["notifications_read", "read_many"],
  ["notifications_archived", "archived"],
  ["notifications_unarchived", "unarchived"],
  ["notifications_deleted", "deleted_many"],
  ["notification_snoozed", "snoozed"],
  ["notification_unsnoozed", "unsnoozed"],
  ["notification_action", "action"],
];

/**
 * Whether a bulk event ("seen", "read_many", "archived", "unarchived") names this notification:
 * by id, ids, type or sequence, or all of them; only notifications older than the event (a lower
 * seq than its event_seq, when known) and, for only_read, read ones.
 */
export function matches(event, n) {
  if (!event || !n) return false;
  if (event.event_seq !== undefined && n.seq >= event.event_seq) return false;
  if (event.only_read && !n.read) return false;
  if (event.notification_id !== undefined) return n.id === event.notification_id;
  if (event.notification_ids !== undefined) return event.notification_ids.includes(n.id);
  if (event.notification_type !== undefined) return n.type === event.notification_type;
  if (event.before_seq !== undefined) return n.seq < event.before_seq;
  return true;
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/** Decodes base64url (RFC 4648 section 5), as VAPID public keys are sent. */
function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

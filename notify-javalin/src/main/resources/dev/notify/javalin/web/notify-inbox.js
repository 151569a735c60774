// The web inbox page: sign in with a token, see the inbox live, mark read, archive, snooze,
// perform actions, delete, switch channels. Everything goes through notify-client.js, as any
// other page would use it.
import { connect, matches, NotifyError } from "/notify-client.js";

const TOKEN_KEY = "notify.token";
const apiPath = document.querySelector('meta[name="notify-api-path"]').content;
const $ = (id) => document.getElementById(id);

/** id -> notification, as the server last described it: those shown (not archived or snoozed). */
const items = new Map();
const SNOOZE_MS = 60 * 60 * 1000;
/** Ids that arrived live since the page loaded, to animate them once. */
const fresh = new Set();
let unread = 0;
/** The badge: notifications not yet seen. */
let unseen = 0;
let nextCursor = null;
let client = null;

// Exposed for debugging (and the browser test): how often each notification id was delivered,
// and how often each was replaced in place.
window.notifyInbox = { deliveries: {}, updates: {} };

start();

function start() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Out of the address bar and history: a token is a password.
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = $("token-input").value.trim();
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      await signIn(token);
    }
  });
  $("sign-out").addEventListener("click", signOut);
  $("mark-all-read").addEventListener("click", () => act(async () => {
    await client.markAllRead();
    for (const n of items.values()) {
      n.read = true;
      n.seen = true;
    }
    unread = 0;
    unseen = 0;
    render();
  }));
  // Opening the list (the badge) marks what it shows as seen.
  $("unseen-badge").addEventListener("click", () => act(markShownSeen));
  $("load-more").addEventListener("click", () => act(loadMore));
  setInterval(renderTimes, 30000);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    signIn(token);
  } else {
    showSignIn();
  }
}

async function signIn(token) {
  client?.close();
  client = connect({ apiPath, token, stream: false });
  try {
    await refresh();
  } catch (e) {
    client = null;
    showSignIn(e instanceof NotifyError && e.status === 401
      ? "That token was not accepted (" + e.message + ")." : "Cannot reach the server: " + e.message);
    return;
  }
  $("sign-in-panel").hidden = true;
  $("inbox-panel").hidden = false;
  $("signed-in-as").textContent = "Signed in as " + userOf(token);
  client.on("state", onState);
  client.on("notification", (n) => {
    window.notifyInbox.deliveries[n.id] = (window.notifyInbox.deliveries[n.id] || 0) + 1;
    if (!shown(n)) return;
    if (!items.has(n.id)) {
      fresh.add(n.id);
      if (!n.read) unread++;
      if (!n.seen) unseen++;
    }
    items.set(n.id, n);
    render();
  });
  // Replaced by a send with the same key: the same item, new content, back at the top.
  client.on("updated", (n) => {
    window.notifyInbox.updates[n.id] = (window.notifyInbox.updates[n.id] || 0) + 1;
    items.set(n.id, n);
    fresh.add(n.id);
    refreshCount();
    render();
  });
  client.on("read", ({ notification_id }) => applyRead(notification_id));
  client.on("all_read", ({ up_to_seq }) => {
    for (const n of items.values()) {
      if (n.seq <= up_to_seq) {
        n.read = true;
        n.seen = true;
      }
    }
    refreshCount();
    render();
  });
  client.on("deleted", ({ notification_id }) => applyDeleted(notification_id));
  client.on("seen", (e) => applyBulk(e, (n) => { n.seen = true; }));
  client.on("read_many", (e) => applyBulk(e, (n) => { n.read = true; n.seen = true; }));
  client.on("archived", (e) => applyBulk(e, (n) => items.delete(n.id)));
  client.on("unarchived", () => refresh().catch(() => {}));
  client.on("snoozed", ({ notification_id }) => {
    items.delete(notification_id);
    refreshCount();
    render();
  });
  client.on("unsnoozed", ({ notification }) => {
    if (notification && shown(notification)) {
      items.set(notification.id, notification);
      fresh.add(notification.id);
    }
    refreshCount();
    render();
  });
  client.on("action", ({ notification_id, action_id }) => {
    const n = items.get(notification_id);
    if (n) {
      n.read = true;
      n.seen = true;
      n.performed = action_id;
    }
    refreshCount();
    render();
  });
  client.start();
  loadSettings();
}

function signOut() {
  client?.close();
  client = null;
  sessionStorage.removeItem(TOKEN_KEY);
  items.clear();
  unread = 0;
  render();
  setConnection("closed", "Offline");
  showSignIn();
}

function showSignIn(message) {
  $("inbox-panel").hidden = true;
  $("sign-in-panel").hidden = false;
  $("sign-in-error").hidden = !message;
  $("sign-in-error").textContent = message || "";
}

/** Shown in the default list: not archived, not snoozed, not expired. */
function shown(n) {
  return !n.archived_at && !n.snoozed_until && !(n.expires_at && new Date(n.expires_at) <= new Date());
}

/** Applies a bulk event to the items it names, then re-reads the counts. */
function applyBulk(event, change) {
  for (const n of [...items.values()]) {
    if (matches(event, n)) change(n);
  }
  refreshCount();
  render();
}

async function markShownSeen() {
  const seqs = [...items.values()].map((n) => n.seq);
  if (seqs.length === 0) return;
  await client.markSeen({ up_to_seq: Math.max(...seqs) });
  for (const n of items.values()) n.seen = true;
  await refreshCount();
}

/** Reads the first page and the counts from the server, replacing what the page holds. */
async function refresh() {
  const [page, count, unseenCount] = await Promise.all([client.list({ limit: 20 }), client.unreadCount(),
    client.unseenCount()]);
  unseen = unseenCount;
  const seqs = page.notifications.map((n) => n.seq);
  // Everything at or above the page's oldest entry is now known exactly: drop what is gone.
  const floor = page.has_more ? Math.min(...seqs) : -Infinity;
  const onPage = new Set(page.notifications.map((n) => n.id));
  for (const [id, n] of items) {
    if (n.seq >= floor && !onPage.has(id)) items.delete(id);
  }
  for (const n of page.notifications) items.set(n.id, n);
  if (nextCursor === null || items.size <= page.notifications.length) {
    nextCursor = page.next_cursor;
  }
  unread = count;
  render();
}

async function refreshCount() {
  try {
    [unread, unseen] = await Promise.all([client.unreadCount(), client.unseenCount()]);
    render();
  } catch (e) {
    // the next event or reconnect corrects it
  }
}

async function loadMore() {
  if (!nextCursor) return;
  const page = await client.list({ cursor: nextCursor, limit: 20 });
  for (const n of page.notifications) if (!items.has(n.id)) items.set(n.id, n);
  nextCursor = page.next_cursor;
  render();
}

function applyRead(id) {
  const n = items.get(id);
  if (!n) {
    refreshCount();
    return;
  }
  if (!n.read) {
    n.read = true;
    unread = Math.max(0, unread - 1);
  }
  if (!n.seen) {
    n.seen = true;
    unseen = Math.max(0, unseen - 1);
  }
  render();
}

function applyDeleted(id) {
  const n = items.get(id);
  if (!n) {
    refreshCount();
    return;
  }
  if (!n.read) unread = Math.max(0, unread - 1);
  if (!n.seen) unseen = Math.max(0, unseen - 1);
  items.delete(id);
  render();
}

/** Takes an archived or snoozed item off the list. */
function applyHidden(id) {
  items.delete(id);
  refreshCount();
  render();
}

function onState({ state, reconnected, retryInMs, reason }) {
  if (state === "open") {
    setConnection("open", "Live");
    $("inbox-error").hidden = true;
    // Changes made elsewhere while this page was offline are replayed by the stream; the counts
    // are re-read once.
    if (reconnected) refreshCount();
  } else if (state === "connecting") {
    setConnection("connecting", "Connecting…");
  } else if (reason === "unauthorized") {
    setConnection("closed", "Signed out");
    showSignIn("The server no longer accepts this token. Paste a new one.");
  } else if (retryInMs !== undefined) {
    setConnection("closed", `Offline, retrying in ${Math.ceil(retryInMs / 1000)} s`);
  } else {
    setConnection("closed", "Offline");
  }
}

function setConnection(state, label) {
  const el = $("connection-state");
  el.dataset.state = state;
  el.querySelector(".label").textContent = label;
}

async function act(action) {
  try {
    await action();
    $("inbox-error").hidden = true;
  } catch (e) {
    $("inbox-error").hidden = false;
    $("inbox-error").textContent = e.message;
  }
}

// ---- rendering ----

function render() {
  const badge = $("unseen-badge");
  badge.textContent = String(unseen);
  badge.dataset.count = String(unseen);
  badge.dataset.unread = String(unread);
  document.title = unseen > 0 ? `(${unseen}) Notifications` : "Notifications";
  const list = $("notification-list");
  const sorted = [...items.values()].sort((a, b) => b.seq - a.seq);
  const template = $("notification-template");
  const nodes = sorted.map((n) => {
    const li = template.content.firstElementChild.cloneNode(true);
    li.dataset.id = String(n.id);
    li.dataset.seq = String(n.seq);
    li.classList.toggle("unread", !n.read);
    li.classList.toggle("unseen", !n.seen);
    li.classList.toggle("priority-high", n.priority === "high" || n.priority === "urgent");
    if (fresh.delete(n.id)) li.classList.add("fresh");
    li.querySelector(".type").textContent = n.type;
    const time = li.querySelector("time");
    time.dateTime = n.created_at;
    time.title = new Date(n.created_at).toLocaleString();
    time.textContent = ago(n.created_at);
    const title = li.querySelector(".title");
    const href = safeLink(n.link);
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.rel = "noopener noreferrer";
      a.textContent = n.title;
      title.append(a);
    } else {
      title.textContent = n.title;
    }
    li.querySelector(".message").textContent = n.message || "";
    li.querySelector(".message").hidden = !n.message;
    const markRead = li.querySelector(".mark-read");
    markRead.hidden = n.read;
    markRead.addEventListener("click", () => act(async () => {
      await client.markRead(n.id);
      applyRead(n.id);
    }));
    li.querySelector(".delete").addEventListener("click", () => act(async () => {
      await client.delete(n.id);
      applyDeleted(n.id);
    }));
    li.querySelector(".archive").addEventListener("click", () => act(async () => {
      await client.archive(n.id);
      applyHidden(n.id);
    }));
    li.querySelector(".snooze").addEventListener("click", () => act(async () => {
      await client.snooze(n.id, new Date(Date.now() + SNOOZE_MS));
      applyHidden(n.id);
    }));
    li.querySelector(".buttons").replaceChildren(...(n.actions || []).map((a) => actionButton(n, a)));
    return li;
  });
  list.replaceChildren(...nodes);
  $("empty").hidden = items.size > 0;
  $("load-more").hidden = !nextCursor;
  $("mark-all-read").disabled = unread === 0;
}

/** A notification's action: a link opens its url; a callback is performed through the server. */
function actionButton(n, a) {
  const href = a.kind === "link" ? safeLink(a.url) : null;
  const el = document.createElement(href ? "a" : "button");
  el.className = `action style-${a.style || "secondary"}`;
  el.dataset.actionId = a.id;
  el.textContent = a.label;
  if (href) {
    el.href = href;
    el.rel = "noopener noreferrer";
    el.classList.add("button");
  } else if (a.kind === "callback") {
    el.type = "button";
    el.classList.toggle("performed", n.performed === a.id);
    el.addEventListener("click", () => act(async () => {
      const done = await client.performAction(n.id, a.id);
      items.set(n.id, Object.assign(done.notification, { performed: a.id }));
      await refreshCount();
    }));
  }
  return el;
}

function renderTimes() {
  for (const time of document.querySelectorAll("#notification-list time")) {
    time.textContent = ago(time.dateTime);
  }
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

function ago(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), "day");
  return new Date(iso).toLocaleDateString();
}

/** Only http(s) and same-site links become anchors: never javascript: or data:. */
function safeLink(link) {
  if (!link) return null;
  try {
    const url = new URL(link, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function userOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub || "?";
  } catch {
    return "?";
  }
}

// ---- settings ----

async function loadSettings() {
  const box = $("channel-toggles");
  let settings;
  try {
    settings = await client.settings();
  } catch (e) {
    box.textContent = "Settings are unavailable: " + e.message;
    return;
  }
  const names = Object.keys(settings.channels);
  if (names.length === 0) {
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "This server has no email or push channel configured; notifications arrive here only.";
    box.append(p);
    return;
  }
  box.replaceChildren(...names.map((name) => {
    const label = document.createElement("label");
    label.className = "toggle";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.role = "switch";
    input.id = "channel-" + name;
    input.checked = settings.channels[name];
    input.addEventListener("change", () => act(async () => {
      try {
        const now = await client.updateSettings({ [name]: input.checked });
        input.checked = now.channels[name];
      } catch (e) {
        input.checked = !input.checked;
        throw e;
      }
    }));
    const text = document.createElement("span");
    text.textContent = name === "email" ? "Email" : name === "push" ? "Browser push" : name;
    label.append(input, text);
    return label;
  }));
}

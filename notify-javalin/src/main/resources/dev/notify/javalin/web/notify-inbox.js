// The web inbox page: sign in with a token, see the inbox live, mark read, delete, switch
// channels. Everything goes through notify-client.js, as any other page would use it.
import { connect, NotifyError } from "/notify-client.js";

const TOKEN_KEY = "notify.token";
const apiPath = document.querySelector('meta[name="notify-api-path"]').content;
const $ = (id) => document.getElementById(id);

/** id -> notification, as the server last described it. */
const items = new Map();
/** Ids that arrived live since the page loaded, to animate them once. */
const fresh = new Set();
let unread = 0;
let nextCursor = null;
let client = null;

// Exposed for debugging (and the browser test): how often each notification id was delivered.
window.notifyInbox = { deliveries: {} };

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
    for (const n of items.values()) n.read = true;
    unread = 0;
    render();
  }));
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
    if (!items.has(n.id)) {
      fresh.add(n.id);
      if (!n.read) unread++;
    }
    items.set(n.id, n);
    render();
  });
  client.on("read", ({ notification_id }) => applyRead(notification_id));
  client.on("all_read", ({ up_to_seq }) => {
    for (const n of items.values()) if (n.seq <= up_to_seq) n.read = true;
    refreshCount();
    render();
  });
  client.on("deleted", ({ notification_id }) => applyDeleted(notification_id));
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

/** Reads the first page and the unread count from the server, replacing what the page holds. */
async function refresh() {
  const [page, count] = await Promise.all([client.list({ limit: 20 }), client.unreadCount()]);
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
    unread = await client.unreadCount();
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
  render();
}

function applyDeleted(id) {
  const n = items.get(id);
  if (!n) {
    refreshCount();
    return;
  }
  if (!n.read) unread = Math.max(0, unread - 1);
  items.delete(id);
  render();
}

function onState({ state, reconnected, retryInMs, reason }) {
  if (state === "open") {
    setConnection("open", "Live");
    $("inbox-error").hidden = true;
    // Reads and deletes made elsewhere while this page was offline are not replayed: re-read.
    if (reconnected) refresh().catch(() => {});
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
  const badge = $("unread-badge");
  badge.textContent = String(unread);
  badge.dataset.count = String(unread);
  document.title = unread > 0 ? `(${unread}) Notifications` : "Notifications";
  const list = $("notification-list");
  const sorted = [...items.values()].sort((a, b) => b.seq - a.seq);
  const template = $("notification-template");
  const nodes = sorted.map((n) => {
    const li = template.content.firstElementChild.cloneNode(true);
    li.dataset.id = String(n.id);
    li.dataset.seq = String(n.seq);
    li.classList.toggle("unread", !n.read);
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
    return li;
  });
  list.replaceChildren(...nodes);
  $("empty").hidden = items.size > 0;
  $("load-more").hidden = !nextCursor;
  $("mark-all-read").disabled = unread === 0;
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

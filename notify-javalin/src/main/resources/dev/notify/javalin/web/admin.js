// notify admin page: every call goes to the admin JSON API with the admin token kept in this
// tab's sessionStorage; nothing is shown until a call with it succeeds.
(function () {
  "use strict";
  const body = document.body;
  const adminPath = body.dataset.adminPath;
  const templatesPath = body.dataset.templatesPath;
  const topicsPath = body.dataset.topicsPath;
  const $ = (id) => document.getElementById(id);
  const statuses = ["pending", "retrying", "delivered", "dead", "closed"];
  let token = sessionStorage.getItem("notify-admin-token");

  function say(text, bad) {
    $("status").textContent = text;
    $("status").className = bad ? "bad" : "";
  }

  async function call(method, path) {
    const response = await fetch(path, { method, headers: { Authorization: "Bearer " + token } });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = json.error ? json.error.code + ": " + json.error.message : "HTTP " + response.status;
      if (response.status === 401 || response.status === 403) {
        signOut();
      }
      throw new Error(message);
    }
    return json;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function button(label, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
  }

  async function loadCounts() {
    const { counts } = await call("GET", adminPath + "/outbox/counts");
    const head = $("counts").tHead;
    head.replaceChildren();
    const hr = head.insertRow();
    ["channel", ...statuses, ""].forEach((h) => { const th = document.createElement("th"); th.textContent = h; hr.appendChild(th); });
    const tbody = $("counts").tBodies[0];
    tbody.replaceChildren();
    Object.keys(counts).forEach((channel) => {
      const tr = tbody.insertRow();
      tr.dataset.channel = channel;
      cell(tr, channel);
      statuses.forEach((status) => {
        const n = counts[channel][status] || 0;
        const td = cell(tr, "");
        td.dataset.status = status;
        td.appendChild(button(String(n), () => loadRows(channel, status), "link"));
      });
      const actions = cell(tr, "");
      if (counts[channel].dead) {
        actions.appendChild(button("Retry all dead", () => retryAll(channel)));
      }
    });
    if (Object.keys(counts).length === 0) {
      const tr = tbody.insertRow();
      cell(tr, "no outbox rows");
    }
  }

  async function loadRows(channel, status) {
    const { entries } = await call("GET", adminPath + "/outbox?channel=" + encodeURIComponent(channel)
      + "&status=" + encodeURIComponent(status) + "&limit=100");
    $("rows-title").hidden = false;
    $("rows-title").textContent = channel + " / " + status + " (" + entries.length + (entries.length === 100 ? "+" : "") + ")";
    $("rows").hidden = false;
    const tbody = $("rows").tBodies[0];
    tbody.replaceChildren();
    entries.forEach((e) => {
      const tr = tbody.insertRow();
      tr.dataset.id = e.id;
      cell(tr, e.id);
      cell(tr, e.recipient);
      cell(tr, e.channel);
      cell(tr, e.destination);
      cell(tr, e.status, "status-" + e.status);
      cell(tr, e.attempts);
      cell(tr, e.due_at);
      cell(tr, e.last_error, "error");
      const actions = cell(tr, "");
      if (e.status === "dead") {
        actions.appendChild(button("Retry", () => retryOne(e.id, channel, status)));
      }
    });
  }

  async function retryOne(id, channel, status) {
    try {
      await call("POST", adminPath + "/outbox/" + id + "/retry");
      say("Row " + id + " is due again.");
      await loadCounts();
      await loadRows(channel, status);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function retryAll(channel) {
    try {
      const r = await call("POST", adminPath + "/outbox/retry-dead?channel=" + encodeURIComponent(channel));
      say(r.retried + " dead " + channel + " rows are due again.");
      await loadCounts();
    } catch (e) {
      say(e.message, true);
    }
  }

  async function lookup(event) {
    event.preventDefault();
    try {
      const r = await call("GET", adminPath + "/recipients/" + encodeURIComponent($("user-id").value.trim()));
      $("recipient").textContent = JSON.stringify(r, null, 2);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function loadTemplates() {
    const { templates } = await call("GET", adminPath + "/templates");
    const list = $("template-list");
    list.replaceChildren();
    if (templates.length === 0) {
      list.appendChild(document.createElement("li")).textContent = "no templates";
    }
    templates.forEach((t) => {
      const li = list.appendChild(document.createElement("li"));
      li.appendChild(button(t.name, () => choose(t), "link"));
      li.appendChild(document.createTextNode(" (" + t.type + "; " + t.locales.join(", ") + ")"));
    });
  }

  let chosen = null;
  function choose(t) {
    chosen = t;
    $("preview").hidden = false;
    const select = $("preview-locale");
    select.replaceChildren();
    t.locales.forEach((l) => { const o = document.createElement("option"); o.textContent = l; select.appendChild(o); });
    preview();
  }

  async function preview() {
    if (!chosen || !templatesPath) return;
    try {
      const r = await call("GET", templatesPath + "/" + encodeURIComponent(chosen.name) + "/preview?locale="
        + encodeURIComponent($("preview-locale").value));
      $("preview-text").textContent = JSON.stringify(r[$("preview-channel").value], null, 2);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function loadTopics() {
    const { topics } = await call("GET", adminPath + "/topics");
    const list = $("topic-list");
    list.replaceChildren();
    if (topics.length === 0) {
      list.appendChild(document.createElement("li")).textContent = "no topics";
    }
    topics.forEach((t) => {
      const li = list.appendChild(document.createElement("li"));
      li.appendChild(button(t.topic, () => members(t.topic), "link"));
      li.appendChild(document.createTextNode(" (" + t.members + " members)"));
    });
  }

  async function members(topic) {
    if (!topicsPath) return;
    try {
      const r = await call("GET", topicsPath + "/" + encodeURIComponent(topic) + "/members");
      $("members").textContent = topic + ":\n" + r.members.join("\n");
    } catch (e) {
      say(e.message, true);
    }
  }

  async function show() {
    try {
      await loadCounts();
      await Promise.all([loadTemplates(), loadTopics()]);
      $("views").hidden = false;
      $("signin").hidden = true;
      $("signout").hidden = false;
      say("Signed in.");
    } catch (e) {
      say(e.message, true);
    }
  }

  function signOut() {
    token = null;
    sessionStorage.removeItem("notify-admin-token");
    $("views").hidden = true;
    $("signin").hidden = false;
    $("signout").hidden = true;
  }

  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    $("token").value = "";
    sessionStorage.setItem("notify-admin-token", token);
    show();
  });
  $("signout").addEventListener("click", () => { signOut(); say("Signed out."); });
  $("lookup").addEventListener("submit", lookup);
  $("preview-locale").addEventListener("change", preview);
  $("preview-channel").addEventListener("change", preview);
  if (token) {
    show();
  }
})();

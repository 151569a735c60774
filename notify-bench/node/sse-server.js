// A minimal Node.js SSE server on better-sse, shaped like notify's stream endpoint, for the
// side-by-side benchmarks: GET /api/v1/notifications/sse/stream?token=JWT (HS256, verified), a
// connection_established event, then a heartbeat event every --heartbeat seconds; and
// POST /api/v1/notifications (Bearer JWT, JSON {recipient, type, title, message, ...}): the
// notification gets an id and the recipient's next sequence number, in memory only (nothing is
// stored: a restart loses everything), and is pushed as a "notification" event with that id to the
// recipient's open streams; 201 with {"created":1,"notifications":[...]}.
// Prints "port=N pid=P"; answers "gc" on stdin with "heap=<bytes used after GC>".
"use strict";
const http = require("node:http");
const crypto = require("node:crypto");
const readline = require("node:readline");
const { createSession } = require("better-sse");

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const heartbeatMs = Number(arg("heartbeat", "30")) * 1000;
const secret = arg("secret", "notify-bench-secret-notify-bench-secret-0123456789");

function verify(token) {
  const parts = (token || "").split(".");
  if (parts.length !== 3) return null;
  const mac = crypto.createHmac("sha256", secret).update(parts[0] + "." + parts[1]).digest("base64url");
  if (!crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts[2]))) return null;
  const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  if (claims.exp && claims.exp * 1000 < Date.now()) return null;
  return claims.sub || null;
}

const sessions = new Map(); // user -> Set of sessions
const seqs = new Map(); // user -> last sequence number
let nextId = 1;

function send(req, res) {
  const auth = req.headers["authorization"] || "";
  let user = null;
  try {
    user = verify(auth.startsWith("Bearer ") ? auth.slice(7) : null);
  } catch {
    user = null;
  }
  if (!user) {
    res.writeHead(401, { "Content-Type": "application/json" }).end('{"error":{"code":"unauthorized"}}');
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      body = null;
    }
    if (!body || typeof body.recipient !== "string" || typeof body.title !== "string") {
      res.writeHead(400, { "Content-Type": "application/json" }).end('{"error":{"code":"invalid_request"}}');
      return;
    }
    const seq = (seqs.get(body.recipient) || 0) + 1;
    seqs.set(body.recipient, seq);
    const n = {
      id: nextId++, recipient: body.recipient, seq, type: body.type || "notification", title: body.title,
      message: body.message || "", data: body.data || {}, link: body.link || null,
      priority: body.priority || "normal", read: false, created_at: new Date().toISOString(), read_at: null,
    };
    for (const session of sessions.get(body.recipient) || []) {
      session.push(n, "notification", String(seq));
    }
    res.writeHead(201, { "Content-Type": "application/json" })
      .end(JSON.stringify({ created: 1, notifications: [n] }) + "\n");
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "POST" && url.pathname === "/api/v1/notifications") {
    send(req, res);
    return;
  }
  if (url.pathname !== "/api/v1/notifications/sse/stream") {
    res.writeHead(404).end();
    return;
  }
  let user;
  try {
    user = verify(url.searchParams.get("token"));
  } catch {
    user = null;
  }
  if (!user) {
    res.writeHead(401, { "Content-Type": "application/json" }).end('{"error":{"code":"unauthorized"}}');
    return;
  }
  const session = await createSession(req, res, { keepAlive: null, retry: 3000 });
  session.push({ type: "connected", user_id: user }, "connection_established");
  const timer = setInterval(() => {
    session.push({ type: "heartbeat", timestamp: new Date().toISOString() }, "heartbeat");
  }, heartbeatMs);
  if (!sessions.has(user)) sessions.set(user, new Set());
  sessions.get(user).add(session);
  session.on("disconnected", () => {
    clearInterval(timer);
    const mine = sessions.get(user);
    mine.delete(session);
    if (mine.size === 0) sessions.delete(user);
  });
});
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
server.maxConnections = 1 << 30;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`port=${server.address().port} pid=${process.pid}\n`);
});
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "gc") {
    if (global.gc) global.gc();
    process.stdout.write(`heap=${process.memoryUsage().heapUsed}\n`);
  }
}).on("close", () => process.exit(0));

// The side-by-side for notify-bench's push benchmark: Node's web-push library sending the same
// messages to the same loopback push services. Reads the subscriptions from --file (JSON array of
// {endpoint, keys: {p256dh, auth}}), sends --messages messages with at most --concurrency in
// flight (as notify's outbox hands the push channel a batch at a time), prints
// "sent=N failed=F ms=T cpu_ms=C".
"use strict";
const fs = require("node:fs");
const webpush = require("web-push");

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const subs = JSON.parse(fs.readFileSync(arg("file"), "utf8"));
const messages = Number(arg("messages", "1000"));
const concurrency = Number(arg("concurrency", "50"));
webpush.setVapidDetails(arg("subject"), arg("public"), arg("private"));

async function main() {
  let next = 0;
  let sent = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < messages) {
      const i = next++;
      const payload = JSON.stringify({ id: i + 1, title: `Order ${i} shipped`,
        body: "Your order left the warehouse and arrives on Thursday.", type: "order", url: null });
      try {
        await webpush.sendNotification(subs[i % subs.length], payload, { TTL: 86400 });
        sent++;
      } catch (e) {
        failed++;
        if (failed < 3) console.error(String(e && e.message || e));
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`sent=${sent} failed=${failed} ms=${Math.round(ms)} cpu_ms=${Math.round((cpu.user + cpu.system) / 1000)}\n`);
}
main();

// notify's service worker: shows Web Push notifications and opens their link on click.
// The payload is the JSON notify's push channel sends: { title, body, link, id, type, icon }.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (e) {
    payload = { title: event.data ? event.data.text() : "Notification" };
  }
  const title = payload.title || "Notification";
  event.waitUntil(self.registration.showNotification(title, {
    body: payload.body || "",
    icon: payload.icon,
    tag: payload.id ? "notify-" + payload.id : undefined,
    data: { link: payload.link || "/", id: payload.id, type: payload.type },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.link) || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url === target && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target);
  })());
});

// The service worker of Web Push (registered by libs/web/social's WebPushService after a follow):
// shows a followed channel's go-live, and opens the stream when the notification is clicked, the
// site open or not. The payload is the API's (libs/api/social): { type, title, streamer, streamId, url }.
const french = () => (self.navigator.language || '').toLowerCase().startsWith('fr');

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const streamer = data.streamer || 'finserve live';
  const heading = french() ? `${streamer} est en direct` : `${streamer} is live`;
  event.waitUntil(
    self.registration.showNotification(heading, {
      body: data.title || '',
      icon: '/favicon.svg',
      tag: data.streamId || 'finserve-live',
      data: { url: data.url || '/' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(
    (event.notification.data && event.notification.data.url) || '/',
    self.location.origin,
  ).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === url && 'focus' in client) return client.focus();
      }
      return self.clients.openWindow(url);
    }),
  );
});

import { inject, Injectable } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { RegisterWebPushDocument, WebPushPublicKeyDocument } from './graphql.generated';

/** The service worker that shows go-live pushes (apps/web/public, copied by the app's build). */
export const PUSH_WORKER_URL = '/push-sw.js';

const base64UrlToBytes = (value: string): Uint8Array<ArrayBuffer> => {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
};

/**
 * Go-live notifications with the site closed (Web Push): permission is asked after a follow (the
 * moment the user shows interest), never on page load; once granted, this browser's push
 * subscription is registered with the API.
 */
@Injectable({ providedIn: 'root' })
export class WebPushService {
  private readonly apollo = inject(Apollo);

  get supported(): boolean {
    return (
      typeof window !== 'undefined' &&
      'serviceWorker' in navigator &&
      'PushManager' in window &&
      'Notification' in window
    );
  }

  /** After a follow: asks once (the browser remembers a refusal) and registers when allowed. */
  async offerAfterFollow(): Promise<void> {
    if (!this.supported) return;
    try {
      let permission = Notification.permission;
      if (permission === 'default') permission = await Notification.requestPermission();
      if (permission === 'granted') await this.register();
    } catch {
      // Push is a bonus: the bell and the toasts work without it.
    }
  }

  private async register(): Promise<void> {
    const registration = await navigator.serviceWorker.register(PUSH_WORKER_URL);
    await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      const key = await firstValueFrom(this.apollo.query({ query: WebPushPublicKeyDocument }));
      if (!key.data) return;
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlToBytes(key.data.webPushPublicKey),
      });
    }
    const json = subscription.toJSON();
    if (!json.endpoint || !json.keys?.['p256dh'] || !json.keys['auth']) return;
    await firstValueFrom(
      this.apollo.mutate({
        mutation: RegisterWebPushDocument,
        variables: {
          input: { endpoint: json.endpoint, p256dh: json.keys['p256dh'], auth: json.keys['auth'] },
        },
      }),
    );
  }
}

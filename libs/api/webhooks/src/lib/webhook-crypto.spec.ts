import { createHmac } from 'node:crypto';

import { newWebhookSecret, SecretBox, signatureHeader, verifySignature } from './webhook-crypto';
import { deliveryJobId, retryDelaySeconds } from './webhook-retry';

describe('webhook signatures and secrets', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 in the documented header format', () => {
    const body = '{"id":"1","event":"STREAM_ONLINE"}';
    const header = signatureHeader('whsec_test', 1_700_000_000, body);
    const mac = createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac}`);
    expect(verifySignature('whsec_test', header, body, 1_700_000_010)).toBe(true);
    expect(verifySignature('whsec_test', header, `${body} `, 1_700_000_010)).toBe(false);
    expect(verifySignature('whsec_other', header, body, 1_700_000_010)).toBe(false);
    // Replayed too late.
    expect(verifySignature('whsec_test', header, body, 1_700_001_000)).toBe(false);
  });

  it('seals secrets so that only the same key opens them', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const box = new SecretBox('a-server-key-that-is-at-least-32-chars', false);
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
    expect(box.seal(secret)).not.toBe(sealed);
    const other = new SecretBox('a-server-key-that-is-at-least-32-chars', true);
    expect(() => other.open(sealed)).toThrow();
  });

  it('backs off exponentially up to an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 10))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(12, 10)).toBe(3600);
    expect(retryDelaySeconds(100, 10)).toBe(3600);
  });

  it('names each attempt of a delivery with its own stable UUID', () => {
    const id = deliveryJobId('w', 'e', 1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryJobId('w', 'e', 1)).toBe(id);
    expect(deliveryJobId('w', 'e', 2)).not.toBe(id);
  });
});

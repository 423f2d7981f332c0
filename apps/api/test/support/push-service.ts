import {
  createDecipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  randomBytes,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Web Push service (RFC 8030) standing in for a browser vendor's: it checks each message's
 * VAPID signature (RFC 8292, ES256 over the sender's public key) and decrypts its aes128gcm body
 * (RFC 8291) with the subscriber's private key, as the browser would.
 */
export interface PushSubscriber {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** Decrypted payloads received, in order. */
  received: ReceivedPush[];
}

export interface ReceivedPush {
  payload: string;
  at: number;
  /** The VAPID JWT's claims (signature checked). */
  claims: { aud: string; exp: number; sub: string };
  vapidPublicKey: string;
  ttl: string | undefined;
}

const b64u = (buffer: Buffer): string => buffer.toString('base64url');
const hmac = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

interface Client {
  ecdh: ReturnType<typeof createECDH>;
  publicKey: Buffer;
  auth: Buffer;
  subscriber: PushSubscriber;
  /** HTTP status answered instead of accepting (e.g. 410: unsubscribed). */
  status: number;
  /** Requests answered 500 before accepting (a push service's hiccup). */
  failures: number;
}

export class LocalPushService {
  private readonly clients = new Map<string, Client>();
  readonly rejected: string[] = [];
  private server!: Server;
  private base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        (status) => {
          res.statusCode = status;
          res.end();
        },
        (error: unknown) => {
          this.rejected.push(error instanceof Error ? error.message : String(error));
          res.statusCode = 400;
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new browser subscription (its keys as PushManager.subscribe would make them). */
  subscribe(options: { status?: number; failures?: number } = {}): PushSubscriber {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = b64u(randomBytes(12));
    const subscriber: PushSubscriber = {
      endpoint: `${this.base}/push/${id}`,
      p256dh: b64u(publicKey),
      auth: b64u(auth),
      received: [],
    };
    this.clients.set(id, {
      ecdh,
      publicKey,
      auth,
      subscriber,
      status: options.status ?? 201,
      failures: options.failures ?? 0,
    });
    return subscriber;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    const client = id ? this.clients.get(id) : undefined;
    if (!client) return 404;
    if (client.status !== 201) return client.status;
    if (client.failures > 0) {
      client.failures--;
      return 500;
    }
    if (req.method !== 'POST') throw new Error(`method ${req.method}`);
    if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
    const { claims, publicKey } = verifyVapid(String(req.headers.authorization ?? ''), this.base);
    client.subscriber.received.push({
      payload: decrypt(body, client).toString('utf8'),
      at: Date.now(),
      claims,
      vapidPublicKey: publicKey,
      ttl: req.headers['ttl'] as string | undefined,
    });
    return 201;
  }
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256-signed by that key. */
function verifyVapid(
  header: string,
  origin: string,
): { claims: ReceivedPush['claims']; publicKey: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header);
  if (!match?.[1] || !match[2]) throw new Error(`no VAPID authorization: ${header}`);
  const [head, body, signature] = match[1].split('.') as [string, string, string];
  const point = Buffer.from(match[2], 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('bad VAPID public key');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('bad VAPID signature');
  const alg = (JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg: string }).alg;
  if (alg !== 'ES256') throw new Error(`VAPID alg ${alg}`);
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as ReceivedPush['claims'];
  if (claims.aud !== origin) throw new Error(`VAPID aud ${claims.aud}, expected ${origin}`);
  if (claims.exp * 1000 < Date.now()) throw new Error('VAPID token expired');
  return { claims, publicKey: match[2] };
}

/** RFC 8291 (aes128gcm, RFC 8188), one record. */
function decrypt(body: Buffer, client: Client): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const secret = client.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    client.publicKey,
    senderKey,
    Buffer.from([1]),
  ]);
  const ikm = hmac(hmac(client.auth, secret), keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

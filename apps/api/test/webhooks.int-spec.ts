import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { JobQueue } from '@finserve/api/jobs';
import { WEBHOOK_QUEUE } from '@finserve/api/webhooks';

import type { RunningApp } from '../src/bootstrap';
import {
  CREATE_STREAM,
  END_STREAM,
  errorCode,
  eventually,
  gql,
  registerUser,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

type User = Awaited<ReturnType<typeof registerUser>>;

const CREATE_WEBHOOK = /* GraphQL */ `
  mutation Create($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      secret
      webhook {
        id
        url
        events
        broadcasterId
        active
        createdAt
      }
    }
  }
`;
const MY_WEBHOOKS = /* GraphQL */ `
  query Mine($limit: Int) {
    myWebhooks {
      id
      active
      recentDeliveries(limit: $limit) {
        id
        eventId
        event
        attempt
        statusCode
        ok
        createdAt
      }
    }
  }
`;
const DELETE_WEBHOOK = /* GraphQL */ `
  mutation Delete($id: ID!) {
    deleteWebhook(id: $id)
  }
`;

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; event: string; createdAt: string; data: Record<string, any> };
}

/** The check docs/api.md gives receivers, verbatim in substance. */
function verifyFinserveSignature(secret: string, header: string, rawBody: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts['t']);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts['v1'] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A real HTTP receiver on localhost: records every request, answers what `status` says. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  status: (delivery: Delivery, index: number) => number = () => 204;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const delivery: Delivery = {
          headers: req.headers,
          raw,
          body: JSON.parse(raw) as Delivery['body'],
        };
        this.deliveries.push(delivery);
        res.statusCode = this.status(delivery, this.deliveries.length - 1);
        res.end('receiver body that must not be stored');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  of(event: string, match: (data: Record<string, any>) => boolean = () => true): Delivery[] {
    return this.deliveries.filter((d) => d.body.event === event && match(d.body.data));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('webhooks', () => {
  let running: RunningApp;
  let url: string;
  const receivers: Receiver[] = [];

  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };
  const createWebhook = (who: User, input: Record<string, unknown>) =>
    gql<{
      createWebhook: {
        secret: string;
        webhook: { id: string; url: string; events: string[]; broadcasterId: string | null };
      };
    }>(url, CREATE_WEBHOOK, { input }, who.token);
  const created = async (who: User, input: Record<string, unknown>) => {
    const response = await createWebhook(who, input);
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.createWebhook;
  };
  const goLive = async (streamer: User, title = 'Webhook open') => {
    const response = await gql<{ createStream: { id: string } }>(
      url,
      CREATE_STREAM,
      { input: { title } },
      streamer.token,
    );
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.createStream.id;
  };
  const drained = () =>
    eventually(
      async () =>
        (await running.app.get(JobQueue).pending(WEBHOOK_QUEUE)) === 0 ? true : undefined,
      20_000,
    );
  const mine = async (who: User, limit = 20) => {
    const response = await gql<{
      myWebhooks: Array<{
        id: string;
        active: boolean;
        recentDeliveries: Array<{
          eventId: string;
          event: string;
          attempt: number;
          statusCode: number | null;
          ok: boolean;
        }>;
      }>;
    }>(url, MY_WEBHOOKS, { limit }, who.token);
    expect(response.errors).toBeUndefined();
    return response.data?.myWebhooks ?? [];
  };

  beforeAll(async () => {
    running = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_SECONDS: '1',
      WEBHOOK_RETRY_WINDOW_SECONDS: '4',
    });
    url = running.url;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await running?.close();
  });

  it('delivers STREAM_ONLINE within 5 s of a go-live, signed so that the documented check passes', async () => {
    const hook = await receiver();
    const streamer = await registerUser(url, 'hooked');
    const { secret, webhook } = await created(streamer, {
      url: hook.url,
      events: ['STREAM_ONLINE', 'STREAM_OFFLINE'],
      broadcasterId: streamer.id,
    });
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: hook.url, broadcasterId: streamer.id });

    const started = Date.now();
    const streamId = await goLive(streamer, 'Gold breakout');
    const [online] = await eventually(() => {
      const found = hook.of('STREAM_ONLINE');
      return found.length > 0 ? found : undefined;
    }, 5000);
    expect(Date.now() - started).toBeLessThan(5000);

    expect(online.headers['content-type']).toBe('application/json');
    expect(online.headers['finserve-event-id']).toBe(online.body.id);
    const signature = String(online.headers['finserve-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyFinserveSignature(secret, signature, online.raw)).toBe(true);
    expect(verifyFinserveSignature('whsec_wrong', signature, online.raw)).toBe(false);
    expect(verifyFinserveSignature(secret, signature, online.raw.replace('Gold', 'Lead'))).toBe(
      false,
    );
    expect(Object.keys(online.body).sort()).toEqual(['createdAt', 'data', 'event', 'id']);
    expect(online.body.data['stream']).toMatchObject({
      id: streamId,
      title: 'Gold breakout',
      status: 'LIVE',
      streamer: { id: streamer.id, username: streamer.username, displayName: streamer.username },
    });

    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    const [offline] = await eventually(() => {
      const found = hook.of('STREAM_OFFLINE');
      return found.length > 0 ? found : undefined;
    }, 5000);
    expect(offline.body.data['stream']).toMatchObject({ id: streamId, status: 'ENDED' });
    expect(offline.body.id).not.toBe(online.body.id);
    expect(
      verifyFinserveSignature(secret, String(offline.headers['finserve-signature']), offline.raw),
    ).toBe(true);
  });

  it('sends the same event id again after a 500, and lists both attempts in recentDeliveries', async () => {
    const hook = await receiver();
    hook.status = (_delivery, index) => (index === 0 ? 500 : 200);
    const streamer = await registerUser(url, 'flaky');
    await created(streamer, {
      url: hook.url,
      events: ['STREAM_ONLINE'],
      broadcasterId: streamer.id,
    });
    await goLive(streamer);
    const [first, second] = await eventually(
      () => (hook.deliveries.length >= 2 ? hook.deliveries : undefined),
      15_000,
    );
    expect(second.body.id).toBe(first.body.id);
    expect(second.raw).toBe(first.raw);
    expect(second.headers['finserve-event-id']).toBe(first.body.id);
    await drained();
    expect(hook.deliveries).toHaveLength(2);

    const [listed] = await mine(streamer);
    expect(listed.active).toBe(true);
    expect(listed.recentDeliveries).toEqual([
      expect.objectContaining({ eventId: first.body.id, attempt: 2, statusCode: 200, ok: true }),
      expect.objectContaining({ eventId: first.body.id, attempt: 1, statusCode: 500, ok: false }),
    ]);
    expect((await mine(streamer, 1))[0].recentDeliveries).toHaveLength(1);
  });

  it('sends nothing to a deleted webhook (while another one gets the event)', async () => {
    const kept = await receiver();
    const removed = await receiver();
    const streamer = await registerUser(url, 'pruned');
    const other = await registerUser(url, 'stranger');
    await created(streamer, {
      url: kept.url,
      events: ['STREAM_ONLINE'],
      broadcasterId: streamer.id,
    });
    const gone = await created(streamer, {
      url: removed.url,
      events: ['STREAM_ONLINE'],
      broadcasterId: streamer.id,
    });
    // Only its owner may delete it.
    const refused = await gql(url, DELETE_WEBHOOK, { id: gone.webhook.id }, other.token);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const deleted = await gql<{ deleteWebhook: boolean }>(
      url,
      DELETE_WEBHOOK,
      { id: gone.webhook.id },
      streamer.token,
    );
    expect(deleted.data?.deleteWebhook).toBe(true);
    expect((await mine(streamer)).map((w) => w.id)).not.toContain(gone.webhook.id);

    await goLive(streamer);
    await eventually(() => (kept.of('STREAM_ONLINE').length > 0 ? true : undefined), 5000);
    await drained();
    expect(removed.deliveries).toHaveLength(0);
  });

  it("sends chat messages and new followers of the owner's channel", async () => {
    const hook = await receiver();
    const streamer = await registerUser(url, 'chatty');
    const fan = await registerUser(url, 'fan');
    await created(streamer, {
      url: hook.url,
      events: ['CHAT_MESSAGE', 'NEW_FOLLOWER'],
      broadcasterId: streamer.id,
    });
    const streamId = await goLive(streamer);
    await gql(
      url,
      'mutation M($s: ID!) { sendChatMessage(streamId: $s, body: "hello bot") { id } }',
      { s: streamId },
      fan.token,
    );
    await gql(
      url,
      'mutation F($id: ID!) { follow(userId: $id) { id } }',
      { id: streamer.id },
      fan.token,
    );
    const [message] = await eventually(() => {
      const found = hook.of('CHAT_MESSAGE', (d) => d['message'].body === 'hello bot');
      return found.length > 0 ? found : undefined;
    }, 5000);
    expect(message.body.data['message']).toMatchObject({
      streamId,
      type: 'TEXT',
      deleted: false,
      author: { id: fan.id, username: fan.username },
    });
    const [followed] = await eventually(() => {
      const found = hook.of('NEW_FOLLOWER');
      return found.length > 0 ? found : undefined;
    }, 5000);
    expect(followed.body.data).toEqual({
      follower: { id: fan.id, username: fan.username, displayName: fan.username },
      broadcaster: { id: streamer.id, username: streamer.username, displayName: streamer.username },
    });
  });

  it('disables a webhook that failed for the whole retry window', async () => {
    const hook = await receiver();
    hook.status = () => 503;
    const streamer = await registerUser(url, 'down');
    await created(streamer, {
      url: hook.url,
      events: ['STREAM_ONLINE'],
      broadcasterId: streamer.id,
    });
    const streamId = await goLive(streamer);
    // WEBHOOK_RETRY_WINDOW_SECONDS is 4 here (24 h by default): 1 s, 2 s, then the window's end.
    const [disabled] = await eventually(async () => {
      const list = await mine(streamer);
      return list[0]?.active === false ? list : undefined;
    }, 15_000);
    expect(hook.deliveries.length).toBeGreaterThanOrEqual(3);
    expect(new Set(hook.deliveries.map((d) => d.body.id)).size).toBe(1);
    expect(disabled.recentDeliveries.every((d) => !d.ok && d.statusCode === 503)).toBe(true);
    expect(disabled.recentDeliveries.map((d) => d.attempt)).toEqual(
      [...Array(disabled.recentDeliveries.length).keys()].map(
        (i) => disabled.recentDeliveries.length - i,
      ),
    );
    // A disabled webhook gets nothing more.
    const count = hook.deliveries.length;
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    await goLive(streamer);
    await drained();
    expect(hook.deliveries).toHaveLength(count);
  });

  it('refuses bad input: foreign channels, channel events without a channel, bad URLs, more than 20', async () => {
    const user = await registerUser(url, 'picky');
    const other = await registerUser(url, 'someone');
    const hook = await receiver();
    expect(
      errorCode(
        await createWebhook(user, {
          url: hook.url,
          events: ['TIP_RECEIVED'],
          broadcasterId: other.id,
        }),
      ),
    ).toBe('FORBIDDEN');
    const noChannel = await createWebhook(user, { url: hook.url, events: ['CHAT_MESSAGE'] });
    expect(errorCode(noChannel)).toBe('BAD_USER_INPUT');
    for (const bad of [
      'ftp://127.0.0.1/x',
      'not a url',
      'http://u:p@127.0.0.1/',
      'http://nowhere.invalid/',
    ]) {
      expect(errorCode(await createWebhook(user, { url: bad, events: ['STREAM_ONLINE'] }))).toBe(
        'BAD_USER_INPUT',
      );
    }
    expect(errorCode(await createWebhook(user, { url: hook.url, events: [] }))).toBe(
      'BAD_USER_INPUT',
    );
    for (let i = 0; i < 20; i++)
      await created(user, {
        url: `${hook.url}/${i}`,
        events: ['STREAM_ONLINE'],
        broadcasterId: user.id,
      });
    const tooMany = await createWebhook(user, {
      url: hook.url,
      events: ['STREAM_ONLINE'],
      broadcasterId: user.id,
    });
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toContain('at most 20');
    expect(await mine(user)).toHaveLength(20);
  });
});

describe('webhooks without WEBHOOK_ALLOW_PRIVATE', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(() => running?.close());

  it('refuses URLs on loopback, private, link-local and unique-local addresses', async () => {
    const user = await registerUser(running.url, 'ssrf');
    for (const target of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
    ]) {
      const response = await gql(
        running.url,
        CREATE_WEBHOOK,
        { input: { url: target, events: ['STREAM_ONLINE'] } },
        user.token,
      );
      expect([target, errorCode(response)]).toEqual([target, 'BAD_USER_INPUT']);
      expect(JSON.stringify(response.errors)).not.toMatch(/stack|SELECT|whsec_/);
    }
    const listed = await gql<{ myWebhooks: unknown[] }>(running.url, MY_WEBHOOKS, {}, user.token);
    expect(listed.data?.myWebhooks).toEqual([]);
  });
});

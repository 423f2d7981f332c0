import { randomUUID } from 'node:crypto';

import WebSocket from 'ws';

import { chatChannel, type ChatMessageRecord } from '@finserve/api/chat';
import { PUB_SUB, type EventBus } from '@finserve/api/core';
import { GraphqlWsServer } from '@finserve/api/graphql';

import type { RunningApp } from '../src/bootstrap';
import {
  eventually,
  liveStream,
  loginAdmin,
  registerUser,
  subscribe,
  wsConnect,
  type Subscription,
  type WsConnection,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const FULL = `subscription($s: ID!) { chatMessage(streamId: $s) { id body type author { username } } }`;
const SLIM = `subscription($s: ID!) { chatMessage(streamId: $s) { id } }`;

type Message = { chatMessage: { id: string; body?: string; author?: { username: string } | null } };

function chatRecord(streamId: string, n: number, body = `message ${n}`): ChatMessageRecord {
  return {
    id: String(1_000_000 + n),
    streamId,
    authorId: null,
    type: 'ALERT' as ChatMessageRecord['type'],
    body,
    tipId: null,
    deleted: false,
    createdAt: new Date().toISOString(),
  };
}

describe('subscription fan-out: one execution per event and operation', () => {
  let running: RunningApp;
  const connections: WsConnection[] = [];

  beforeAll(async () => {
    running = await startTestApp({ WS_MAX_BUFFERED_BYTES: '262144' });
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.dispose().catch(() => undefined)));
    await running?.close();
  });

  const connect = (token?: string) => {
    const connection = wsConnect(running.url, token);
    connections.push(connection);
    return connection;
  };
  const everyoneGot = (subscriptions: Subscription<Message>[], id: string) =>
    Promise.all(subscriptions.map((s) => s.waitFor((m) => m.chatMessage.id === id, 20_000)));

  it('executes an event once for 100 identical subscribers, and apart for other selections and scopes', async () => {
    const { streamId } = await liveStream(running.url, 'fan-out');
    const bus = running.app.get<EventBus>(PUB_SUB);
    const fanout = running.app.get(GraphqlWsServer).fanout;
    const user = await registerUser(running.url, 'fan');
    const admin = await loginAdmin(running.url);

    const identical = Array.from({ length: 100 }, () =>
      subscribe<Message>(connect(), FULL, { s: streamId }),
    );
    const slim = subscribe<Message>(connect(), SLIM, { s: streamId });
    const asUser = subscribe<Message>(connect(user.token), FULL, { s: streamId });
    const asAdmin = subscribe<Message>(connect(admin), FULL, { s: streamId });
    const all = [...identical, slim, asUser, asAdmin];

    // Subscribed everywhere once a first event reaches all of them.
    await eventually(async () => {
      await bus.publish(chatChannel(streamId), chatRecord(streamId, 0));
      await new Promise((resolve) => setTimeout(resolve, 300));
      return all.every((s) => s.values.some((m) => m.chatMessage.id === '1000000'))
        ? true
        : undefined;
    }, 30_000);

    // Chat is served by channel groups: one per distinct operation, each one bus subscription.
    expect(fanout.groupSizes(chatChannel(streamId))).toEqual([1, 1, 1, 100]);

    const before = fanout.executions;
    for (let n = 1; n <= 3; n++) await bus.publish(chatChannel(streamId), chatRecord(streamId, n));
    for (let n = 1; n <= 3; n++) await everyoneGot(all, String(1_000_000 + n));

    // 3 events x 4 distinct (document, variables, scope): anonymous FULL, anonymous SLIM, USER, ADMIN.
    expect(fanout.executions - before).toBe(12);
    for (const s of [...identical, asUser, asAdmin]) {
      const third = s.values.find((m) => m.chatMessage.id === '1000003');
      expect(third).toEqual({
        chatMessage: { id: '1000003', body: 'message 3', type: 'ALERT', author: null },
      });
    }
    expect(slim.values.find((m) => m.chatMessage.id === '1000003')).toEqual({
      chatMessage: { id: '1000003' },
    });
    // In order, once each.
    for (const s of all)
      expect(s.values.map((m) => m.chatMessage.id).filter((id) => id !== '1000000')).toEqual([
        '1000001',
        '1000002',
        '1000003',
      ]);
    for (const s of all) s.unsubscribe();
    // The last member out releases its group and the group's bus subscription.
    await eventually(() => (fanout.groupSizes(chatChannel(streamId)).length ? undefined : true));
  }, 120_000);

  it('closes a socket that stops reading (1013) once its send buffer passes the limit; others get every event', async () => {
    const { streamId } = await liveStream(running.url, 'slow consumer');
    const bus = running.app.get<EventBus>(PUB_SUB);
    const healthy = subscribe<Message>(connect(), SLIM, { s: streamId });

    // A raw graphql-transport-ws client that subscribes, then stops reading its socket.
    const slow = new WebSocket(
      `${running.url.replace('http', 'ws')}/graphql`,
      'graphql-transport-ws',
    );
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      slow.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise<void>((resolve) => slow.on('open', () => resolve()));
    slow.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise<void>((resolve) =>
      slow.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve();
      }),
    );
    slow.send(
      JSON.stringify({
        id: randomUUID(),
        type: 'subscribe',
        payload: { query: FULL, variables: { s: streamId } },
      }),
    );
    await eventually(async () => {
      await bus.publish(chatChannel(streamId), chatRecord(streamId, 0, 'warm-up'));
      return healthy.values.length > 0 ? true : undefined;
    }, 20_000);
    // Stop reading: the kernel buffers fill, then the server's backlog for this socket grows.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    const big = 'x'.repeat(64 * 1024);
    const events = 400;
    for (let n = 1; n <= events; n++)
      await bus.publish(chatChannel(streamId), chatRecord(streamId, n, big));

    // Reading again, the client gets what was in flight, then the close frame.
    await new Promise((resolve) => setTimeout(resolve, 500));
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await closed;
    expect(code).toBe(1013);
    expect(reason).toMatch(/Slow consumer/);
    await healthy.waitFor((m) => m.chatMessage.id === String(1_000_000 + events), 30_000);
    const ids = healthy.values
      .map((m) => Number(m.chatMessage.id) - 1_000_000)
      .filter((n) => n > 0);
    expect(ids).toEqual(Array.from({ length: events }, (_, i) => i + 1));
  }, 120_000);
});

import WebSocket from 'ws';

import type { RunningApp } from '../src/bootstrap';
import { gql, liveStream, subscribe, WATCH_STREAM, wsConnect } from './support/graphql-client';
import { startTestApp } from './support/test-app';

/** A raw socket speaking graphql-transport-ws, for what a well-behaved client never sends. */
function rawSocket(url: string): {
  socket: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  messages: unknown[];
} {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { socket, opened, closed, messages };
}

describe('WebSocket limits', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({
      WS_CONNECTION_INIT_TIMEOUT_MS: '300',
      WS_MAX_MESSAGE_BYTES: '2048',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      WS_MAX_CONNECTIONS_PER_IP: '4',
    });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('closes a socket that never sends connection_init with 4408 after WS_CONNECTION_INIT_TIMEOUT_MS', async () => {
    const raw = rawSocket(url);
    await raw.opened;
    const started = Date.now();
    const closed = await raw.closed;
    expect(closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('closes a socket that sends a message over WS_MAX_MESSAGE_BYTES with 1009', async () => {
    const raw = rawSocket(url);
    await raw.opened;
    raw.socket.send(
      JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(4096) } }),
    );
    expect((await raw.closed).code).toBe(1009);
  });

  it('closes a socket that opens one subscription too many with 4429 and a reason naming the limit', async () => {
    const { streamId } = await liveStream(url);
    const ws = wsConnect(url);
    await ws.connected;
    const subscriptions = [1, 2, 3].map(() => subscribe(ws, WATCH_STREAM, { id: streamId }));
    await Promise.all(subscriptions.map((s) => s.waitFor(() => true)));
    subscribe(ws, WATCH_STREAM, { id: streamId });
    expect(await ws.closed).toEqual({
      code: 4429,
      reason: 'Too many subscriptions on this connection (at most 3)',
    });
  });

  it('closes connections from one IP beyond WS_MAX_CONNECTIONS_PER_IP with 4429, and admits again once one leaves', async () => {
    const sockets = [1, 2, 3, 4].map(() => wsConnect(url));
    await Promise.all(sockets.map((s) => s.connected));
    const fifth = wsConnect(url);
    expect(await fifth.closed).toEqual({
      code: 4429,
      reason: 'Too many connections from this address (at most 4)',
    });
    await sockets[0].dispose();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = wsConnect(url);
    await again.connected;
    await Promise.all([again, ...sockets.slice(1)].map((s) => s.dispose()));
  });

  it('cuts off a client flooding malformed frames (4400) while another client keeps its subscription', async () => {
    const { streamer, streamId } = await liveStream(url);
    const viewer = wsConnect(url);
    await viewer.connected;
    const chat = subscribe(
      viewer,
      'subscription C($id: ID!) { chatMessage(streamId: $id) { body } }',
      {
        id: streamId,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    const flooder = rawSocket(url);
    await flooder.opened;
    flooder.socket.send(JSON.stringify({ type: 'connection_init' }));
    for (let i = 0; i < 500; i++) {
      if (flooder.socket.readyState !== WebSocket.OPEN) break;
      flooder.socket.send(i % 2 ? '{not json' : Buffer.from([0xff, 0x00, 0xfe]));
    }
    const closed = await flooder.closed;
    expect(closed.code).toBe(4400);

    const sent = await gql(
      url,
      'mutation S($id: ID!) { sendChatMessage(streamId: $id, body: "still here") { id } }',
      { id: streamId },
      streamer.token,
    );
    expect(sent.errors).toBeUndefined();
    await chat.waitFor((value) => value['chatMessage'].body === 'still here');
    await viewer.dispose();
  });
});

import type { RunningApp } from '../src/bootstrap';
import { liveStream, registerUser, wsConnect, type WsConnection } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const TTL_SECONDS = 3;
const SEND = `mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { body } }`;
const PROFILE = `mutation($n: String!) { updateProfile(input: { displayName: $n }) { displayName } }`;

/** The expiry (ms since the epoch) of a JWT, read without verifying it. */
const expiryOf = (token: string): number =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp *
  1000;

describe("a socket's authority ends with its access token", () => {
  let running: RunningApp;
  let url: string;
  const connections: WsConnection[] = [];

  beforeAll(async () => {
    running = await startTestApp({ JWT_TTL: `${TTL_SECONDS}s` });
    url = running.url;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => running?.close());

  it('closes a signed-in socket with 4403 when its token expires; before that it works', async () => {
    const { streamer, streamId } = await liveStream(url, 'expiring');
    const socket = wsConnect(url, streamer.token);
    connections.push(socket);
    await socket.connected;
    const before = await socket.execute(SEND, { s: streamId, b: 'while valid' });
    expect(before.errors).toBeUndefined();
    expect((await socket.execute(PROFILE, { n: 'Still me' })).errors).toBeUndefined();

    const closed = await socket.closed;
    expect(closed).toEqual({ code: 4403, reason: 'Token expired: reconnect with a new token' });
    // Closed at the expiry, not before it, and not much later.
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(streamer.token));
    expect(Date.now()).toBeLessThan(expiryOf(streamer.token) + 1500);
  }, 20_000);

  it('runs no mutation on a socket after its token expired', async () => {
    const user = await registerUser(url, 'late');
    const socket = wsConnect(url, user.token);
    connections.push(socket);
    await socket.connected;
    await new Promise((resolve) => setTimeout(resolve, expiryOf(user.token) - Date.now() + 200));
    await expect(socket.execute(PROFILE, { n: 'Too late' })).rejects.toBeDefined();
    expect((await socket.closed).code).toBe(4403);
  }, 20_000);

  it('keeps anonymous sockets open (they have no token to expire)', async () => {
    const socket = wsConnect(url);
    connections.push(socket);
    await socket.connected;
    const outcome = await Promise.race([
      socket.closed,
      new Promise((resolve) => setTimeout(() => resolve('open'), (TTL_SECONDS + 1) * 1000)),
    ]);
    expect(outcome).toBe('open');
  }, 20_000);
});

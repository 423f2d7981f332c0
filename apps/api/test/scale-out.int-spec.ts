import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

import { Redis } from 'ioredis';

import {
  eventually,
  gql,
  liveStream,
  registerUser,
  STREAM,
  subscribe,
  WATCH_STREAM,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { freePort, spawnServer, waitForHealth, type ServerProcess } from './support/process';
import { testEnv } from './support/test-app';

const SEND = `mutation($s: ID!, $body: String!) { sendChatMessage(streamId: $s, body: $body) { id body } }`;
const CHAT = `subscription($s: ID!) { chatMessage(streamId: $s) { id body } }`;
const HISTORY = `query($s: ID!, $after: ID) { chatMessages(streamId: $s, after: $after, limit: 100) { id body } }`;

type Chat = { chatMessage: { id: string; body: string } };

// A Redis of this test's own (it is restarted here): needs Debian's redis-server, as on CI.
const REDIS_SERVER = '/usr/bin/redis-server';
const haveRedisServer = spawnSync(REDIS_SERVER, ['--version']).status === 0;
const describeScaleOut = haveRedisServer || process.env['CI'] === 'true' ? describe : describe.skip;

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 100 });
  await eventually(async () =>
    (await probe.ping().catch(() => null)) === 'PONG' ? true : undefined,
  );
  probe.disconnect();
  return child;
}

describeScaleOut('two API instances sharing PostgreSQL and Redis', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  const servers: ServerProcess[] = [];
  const sockets: WsConnection[] = [];
  let a: string;
  let b: string;
  let instanceA: ServerProcess;

  const startInstance = async (): Promise<{ url: string; server: ServerProcess }> => {
    const port = await freePort();
    const server = spawnServer(
      testEnv({
        PORT: String(port),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        INSTANCE_HEARTBEAT_SECONDS: '1',
        CHAT_RATE_LIMIT_PER_SECOND: '1000',
        LOG_LEVEL: 'warn',
      }),
    );
    servers.push(server);
    await waitForHealth(server, port);
    return { url: `http://127.0.0.1:${port}`, server };
  };
  const connect = (url: string, token?: string) => {
    const socket = wsConnect(url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const first = await startInstance();
    const second = await startInstance();
    a = first.url;
    instanceA = first.server;
    b = second.url;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose().catch(() => undefined)));
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    redis?.kill('SIGKILL');
  });

  it('delivers chat sent on A to subscribers on B, in order', async () => {
    const { streamer, streamId } = await liveStream(a, 'across instances');
    const onB = subscribe<Chat>(connect(b), CHAT, { s: streamId });
    const alsoOnA = subscribe<Chat>(connect(a), CHAT, { s: streamId });
    await eventually(async () => {
      await gql(a, SEND, { s: streamId, body: 'ready?' }, streamer.token);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return onB.values.length > 0 && alsoOnA.values.length > 0 ? true : undefined;
    });
    const bodies = Array.from({ length: 20 }, (_, i) => `message ${i + 1}`);
    for (const body of bodies)
      expect((await gql(a, SEND, { s: streamId, body }, streamer.token)).errors).toBeUndefined();
    await onB.waitFor((m) => m.chatMessage.body === 'message 20');
    const received = onB.values.map((m) => m.chatMessage).filter((m) => m.body !== 'ready?');
    expect(received.map((m) => m.body)).toEqual(bodies);
    const ids = received.map((m) => BigInt(m.id));
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  }, 60_000);

  it('revoking a personal access token on A closes its socket open on B at once (through Redis)', async () => {
    const user = await registerUser(a, 'pat');
    const created = await gql(
      a,
      'mutation { createPersonalAccessToken(input: { name: "bot", scopes: ["profile:read"] }) { secret token { id } } }',
      {},
      user.token,
    );
    const { secret, token } = created.data?.['createPersonalAccessToken'] as {
      secret: string;
      token: { id: string };
    };
    const onB = connect(b, secret);
    await onB.connected;
    const started = Date.now();
    const revoked = await gql(
      a,
      'mutation R($id: ID!) { revokePersonalAccessToken(id: $id) }',
      { id: token.id },
      user.token,
    );
    expect(revoked.data).toEqual({ revokePersonalAccessToken: true });
    // Well before the periodic re-check (WS_AUTH_RECHECK_SECONDS, 30 s by default) could do it.
    expect(await onB.closed).toEqual({ code: 4403, reason: 'Token revoked' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('loses no chat message across a Redis restart for a client that resumes from its last id; the API reconnects alone', async () => {
    const { streamer, streamId } = await liveStream(a, 'redis restart');
    const onB = subscribe<Chat>(connect(b), CHAT, { s: streamId });
    await eventually(async () => {
      await gql(a, SEND, { s: streamId, body: 'before' }, streamer.token);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return onB.values.length > 0 ? true : undefined;
    });
    const lastSeen = onB.values.at(-1)?.chatMessage.id as string;

    redis?.kill('SIGKILL');
    await new Promise((resolve) => redis?.once('exit', resolve));
    // Messages while Redis is away are stored (PostgreSQL) even though no event can travel.
    for (const body of ['during 1', 'during 2'])
      expect((await gql(a, SEND, { s: streamId, body }, streamer.token)).errors).toBeUndefined();
    redis = await startRedis(redisPort);

    // Both instances reconnect and re-subscribe by themselves: live delivery resumes...
    await eventually(async () => {
      await gql(a, SEND, { s: streamId, body: 'after' }, streamer.token);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return onB.values.some((m) => m.chatMessage.body === 'after') ? true : undefined;
    }, 30_000);
    // ...and the client catches up from its last id: nothing is lost, nothing twice.
    const history = await gql<{ chatMessages: { id: string; body: string }[] }>(b, HISTORY, {
      s: streamId,
      after: lastSeen,
    });
    const caughtUp = history.data?.chatMessages.map((m) => m.body) ?? [];
    expect(caughtUp.slice(0, 2)).toEqual(['during 1', 'during 2']);
    expect(caughtUp).toContain('after');
  }, 90_000);

  it("counts viewers of both instances, and drops A's viewers within a minute of A being killed", async () => {
    const { streamId } = await liveStream(b, 'viewers everywhere');
    const viewer = await registerUser(a, 'viewer');
    const watchers = [
      subscribe(connect(a), WATCH_STREAM, { id: streamId }),
      subscribe(connect(a, viewer.token), WATCH_STREAM, { id: streamId }),
      subscribe(connect(b), WATCH_STREAM, { id: streamId }),
      subscribe(connect(b), WATCH_STREAM, { id: streamId }),
      subscribe(connect(b), WATCH_STREAM, { id: streamId }),
    ];
    const count = async (url: string) =>
      ((await gql(url, STREAM, { id: streamId })).data?.['stream'] as { viewerCount: number })
        .viewerCount;
    await eventually(async () => ((await count(b)) === 5 ? true : undefined), 20_000);
    expect(await count(a)).toBe(5);
    // A watcher on B sees the count that includes A's viewers (an event from either instance).
    await watchers[2].waitFor(
      (s) => (s as { watchStream: { viewerCount: number } }).watchStream.viewerCount === 5,
    );

    const killedAt = Date.now();
    instanceA.child.kill('SIGKILL');
    await instanceA.exited;
    await eventually(async () => ((await count(b)) === 3 ? true : undefined), 60_000, 250);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    await watchers[2].waitFor(
      (s) => (s as { watchStream: { viewerCount: number } }).watchStream.viewerCount === 3,
    );
  }, 120_000);
});

import { DataSource } from 'typeorm';

import type { RunningApp } from '../src/bootstrap';
import {
  BROADCAST_STREAM,
  END_STREAM,
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
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp } from './support/test-app';

type Watched = {
  watchStream: {
    id: string;
    status: string;
    viewerCount: number;
    peakViewers: number;
    endedAt: string | null;
  };
};

const viewerCountOf = async (url: string, id: string): Promise<number> =>
  ((await gql(url, STREAM, { id })).data?.['stream'] as { viewerCount: number }).viewerCount;

describe('viewers: presence through watchStream', () => {
  let running: RunningApp;
  let url: string;
  const connections: WsConnection[] = [];
  const connect = (token?: string, base = url) => {
    const connection = wsConnect(base, token);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    running = await startTestApp({ WS_KEEPALIVE_MS: '300' });
    url = running.url;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => running?.close());

  it('counts 3 anonymous connections + one user in two tabs + the streamer as 4, pushes it, and keeps the peak when they leave', async () => {
    const { streamer, streamId } = await liveStream(url);
    const user = await registerUser(url, 'tabs');

    const watcher = subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId });
    await watcher.waitFor((v) => v.watchStream.id === streamId);
    const anonymous = [
      watcher,
      subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId }),
      subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId }),
    ];
    const tab1 = connect(user.token);
    const tab2 = connect(user.token);
    const tabs = [
      subscribe<Watched>(tab1, WATCH_STREAM, { id: streamId }),
      subscribe<Watched>(tab2, WATCH_STREAM, { id: streamId }),
    ];
    const streamerConsole = subscribe(connect(streamer.token), BROADCAST_STREAM, { id: streamId });
    const streamerWatching = subscribe<Watched>(connect(streamer.token), WATCH_STREAM, {
      id: streamId,
    });
    await Promise.all([...anonymous, ...tabs, streamerWatching].map((s) => s.waitFor(() => true)));
    await streamerConsole.waitFor(() => true);

    expect(await viewerCountOf(url, streamId)).toBe(4);
    const pushed = await watcher.waitFor((v) => v.watchStream.viewerCount === 4);
    expect(pushed.watchStream.peakViewers).toBe(4);
    // No update ever had a peak below its count (the ramp-up went through 1, 2, 3 too).
    for (const v of watcher.values)
      expect(v.watchStream.peakViewers).toBeGreaterThanOrEqual(v.watchStream.viewerCount);
    const afterPeak = watcher.values.indexOf(pushed) + 1;

    // One tab of the user and two anonymous viewers leave: 4 -> 2 (the user still has a tab).
    await tab1.dispose();
    anonymous[1].unsubscribe();
    anonymous[2].unsubscribe();
    await eventually(async () => ((await viewerCountOf(url, streamId)) === 2 ? true : undefined));
    // The update that lowers the count to 2 (not one of the ramp-up's) keeps the peak of 4.
    const lowered = await eventually(() =>
      watcher.values.slice(afterPeak).find((v) => v.watchStream.viewerCount === 2),
    );
    expect(lowered.watchStream.peakViewers).toBe(4);
    const stored = await gql(url, STREAM, { id: streamId });
    expect(stored.data?.['stream']).toMatchObject({ viewerCount: 2, peakViewers: 4 });
  });

  it('coalesces count updates: a burst of joins yields at most about one update per second, ending at the exact count', async () => {
    const { streamId } = await liveStream(url);
    const watcher = subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId });
    await watcher.waitFor(() => true);
    const started = Date.now();
    const joiners = Array.from({ length: 20 }, () =>
      subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId }),
    );
    await Promise.all(joiners.map((s) => s.waitFor(() => true)));
    await watcher.waitFor((v) => v.watchStream.viewerCount === 21);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const updates = watcher.values.length - 1;
    expect(updates).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 2);
    expect(watcher.values.at(-1)?.watchStream.viewerCount).toBe(21);
  });

  it('drops a viewer whose connection dies without a close frame, within the keep-alive bound', async () => {
    const { streamId } = await liveStream(url);
    const port = Number(new URL(url).port);
    const proxy = new TcpProxy(port);
    await proxy.start();
    try {
      const viaProxy = connect(undefined, `http://127.0.0.1:${proxy.port}`);
      const watching = subscribe<Watched>(viaProxy, WATCH_STREAM, { id: streamId });
      await watching.waitFor(() => true);
      expect(await viewerCountOf(url, streamId)).toBe(1);
      proxy.freeze();
      const cutAt = Date.now();
      // keep-alive 300 ms: a ping, no pong, terminated at the next ping.
      await eventually(
        async () => ((await viewerCountOf(url, streamId)) === 0 ? true : undefined),
        5000,
        50,
      );
      expect(Date.now() - cutAt).toBeLessThan(3 * 300 + 1000);
    } finally {
      await proxy.stop();
    }
  });

  it('sends watchers the ENDED state, then completes their subscription, and closes the viewing sessions at the end time', async () => {
    const { streamer, streamId } = await liveStream(url);
    const viewers = [
      subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId }),
      subscribe<Watched>(connect((await registerUser(url, 'w')).token), WATCH_STREAM, {
        id: streamId,
      }),
    ];
    await Promise.all(viewers.map((s) => s.waitFor(() => true)));
    const ended = await gql(url, END_STREAM, { id: streamId }, streamer.token);
    const endedAt = ended.data?.['endStream'].endedAt as string;
    for (const viewer of viewers) {
      await viewer.completed;
      expect(viewer.values.at(-1)?.watchStream).toMatchObject({
        status: 'ENDED',
        endedAt,
        viewerCount: 0,
      });
    }
    const sessions = await eventually(async () => {
      const rows = await running.app
        .get(DataSource)
        .query<{ left_at: Date | null }[]>(
          'SELECT left_at FROM stream_viewers WHERE stream_id = $1',
          [streamId],
        );
      return rows.length === 2 && rows.every((r) => r.left_at) ? rows : undefined;
    });
    for (const session of sessions) expect(session.left_at?.toISOString()).toBe(endedAt);
  });

  it('subscribing to an ENDED stream yields its final state and completes; an unknown stream is NOT_FOUND', async () => {
    const { streamer, streamId } = await liveStream(url);
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    const late = subscribe<Watched>(connect(), WATCH_STREAM, { id: streamId });
    await late.completed;
    expect(late.values.map((v) => v.watchStream.status)).toEqual(['ENDED']);
    const unknown = subscribe<Watched>(connect(), WATCH_STREAM, {
      id: '00000000-0000-4000-8000-000000000000',
    });
    await unknown.completed;
    expect(JSON.stringify(unknown.errors)).toContain('NOT_FOUND');
  });

  it('refuses the broadcast console to anyone but the streamer', async () => {
    const { streamId } = await liveStream(url);
    const other = await registerUser(url, 'intruder');
    const refused = subscribe(connect(other.token), BROADCAST_STREAM, { id: streamId });
    await refused.completed;
    expect(JSON.stringify(refused.errors)).toContain('FORBIDDEN');
    const anonymous = subscribe(connect(), BROADCAST_STREAM, { id: streamId });
    await anonymous.completed;
    expect(JSON.stringify(anonymous.errors)).toContain('UNAUTHENTICATED');
  });
});

describe('viewers: the streamer leaving ends the stream after the grace period', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({ STREAMER_GRACE_SECONDS: '2', INSTANCE_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(() => running?.close());

  it('ends the stream with its end time at the moment the console left; a connected console keeps it LIVE', async () => {
    const url = running.url;
    const gone = await liveStream(url, 'leaves');
    const stays = await liveStream(url, 'stays');
    const goneConsole = wsConnect(url, gone.streamer.token);
    const staysConsole = wsConnect(url, stays.streamer.token);
    try {
      await subscribe(goneConsole, BROADCAST_STREAM, { id: gone.streamId }).waitFor(() => true);
      await subscribe(staysConsole, BROADCAST_STREAM, { id: stays.streamId }).waitFor(() => true);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const leftAt = Date.now();
      await goneConsole.dispose();

      const ended = await eventually(
        async () => {
          const stream = (await gql(url, STREAM, { id: gone.streamId })).data?.['stream'];
          return stream?.status === 'ENDED' ? stream : undefined;
        },
        10_000,
        200,
      );
      expect(Math.abs(Date.parse(ended.endedAt) - leftAt)).toBeLessThan(1000);
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(2000);

      expect((await gql(url, STREAM, { id: stays.streamId })).data?.['stream'].status).toBe('LIVE');
    } finally {
      await staysConsole.dispose();
    }
  });
});

import { DataSource } from 'typeorm';

import type { TypeOrmLogger } from '@finserve/api/database';
import { ViewersService } from '@finserve/api/viewers';

import type { RunningApp } from '../src/bootstrap';
import {
  END_STREAM,
  eventually,
  gql,
  liveStream,
  registerUser,
  subscribe,
  WATCH_STREAM,
  wsConnect,
} from './support/graphql-client';
import { ManualClock, startTestApp } from './support/test-app';

const STATS = /* GraphQL */ `
  query Stats($id: ID!) {
    stream(id: $id) {
      status
      durationSeconds
      peakViewers
      stats {
        uniqueViewers
        peakViewers
        averageConcurrentViewers
        averageWatchSeconds
        totalWatchSeconds
        messageCount
        tipCount
        tipTotals {
          currency
          amountCents
        }
        durationSeconds
        viewerTimeline {
          at
          viewers
        }
      }
    }
  }
`;

describe('stats: a scripted scenario on a controlled clock', () => {
  const clock = new ManualClock();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({}, { clock });
  });
  afterAll(() => running?.close());

  it('matches hand-computed figures', async () => {
    const url = running.url;
    const viewers = running.app.get(ViewersService);
    const sessionsOf = (streamId: string) =>
      running.app
        .get(DataSource)
        .query<{ left_at: Date | null }[]>(
          'SELECT left_at FROM stream_viewers WHERE stream_id = $1',
          [streamId],
        );

    // T0: the stream goes live.
    const t0 = clock.now();
    const { streamer, streamId } = await liveStream(url, 'scripted');

    // T0+10: Alice (signed in, two tabs) joins. T0+20: an anonymous viewer joins.
    clock.advance(10);
    const alice = await registerUser(url, 'alice');
    const aliceTabs = [wsConnect(url, alice.token), wsConnect(url, alice.token)];
    await Promise.all(
      aliceTabs.map((tab) => subscribe(tab, WATCH_STREAM, { id: streamId }).waitFor(() => true)),
    );
    clock.advance(10);
    const anonymous = wsConnect(url);
    const anonymousWatch = subscribe(anonymous, WATCH_STREAM, { id: streamId });
    await anonymousWatch.waitFor(() => true);
    await viewers.sample(); // T0+20: 2 viewers

    // T0+70: Alice closes both tabs.
    clock.advance(50);
    await Promise.all(aliceTabs.map((tab) => tab.dispose()));
    await eventually(async () =>
      (await sessionsOf(streamId)).filter((s) => s.left_at).length === 1 ? true : undefined,
    );
    await viewers.sample(); // T0+70: 1 viewer
    clock.advance(5);
    await viewers.sample(); // unchanged: not stored

    // T0+100: the stream ends; the anonymous viewer's session closes at the end.
    clock.advance(25);
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    await anonymousWatch.completed;
    await anonymous.dispose();
    await eventually(async () =>
      (await sessionsOf(streamId)).every((s) => s.left_at) ? true : undefined,
    );

    const response = await gql(url, STATS, { id: streamId });
    expect(response.errors).toBeUndefined();
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000).toISOString();
    // Sessions: Alice 10..70 (60 s, one session for two tabs), anonymous 20..100 (80 s).
    expect(response.data?.['stream']).toEqual({
      status: 'ENDED',
      durationSeconds: 100,
      peakViewers: 2,
      stats: {
        uniqueViewers: 2,
        peakViewers: 2,
        totalWatchSeconds: 140,
        averageWatchSeconds: 70,
        averageConcurrentViewers: 1.4,
        messageCount: 0,
        tipCount: 0,
        tipTotals: [],
        durationSeconds: 100,
        viewerTimeline: [
          { at: at(20), viewers: 2 },
          { at: at(70), viewers: 1 },
        ],
      },
    });

    const platform = await gql(
      url,
      `{ platformStats { totalStreams liveStreams totalWatchHours averageStreamSeconds tipTotals { amountCents } platformFeeTotals { amountCents }
         topStreamers(limit: 100) { streamer { id } streams watchHours tipTotals { amountCents } } } }`,
    );
    expect(platform.errors).toBeUndefined();
    const stats = platform.data?.['platformStats'];
    expect(stats.totalStreams).toBeGreaterThanOrEqual(1);
    expect(stats.totalWatchHours).toBeGreaterThanOrEqual(140 / 3600);
    const ranking = stats.topStreamers.find(
      (r: { streamer: { id: string } }) => r.streamer.id === streamer.id,
    );
    expect(ranking).toEqual({
      streamer: { id: streamer.id },
      streams: 1,
      watchHours: 0.0389,
      tipTotals: [],
    });
    const hours = stats.topStreamers.map((r: { watchHours: number }) => r.watchHours);
    expect(hours).toEqual([...hours].sort((a, b) => b - a));
  });
});

describe('stats: DataLoader keeps liveStreams at a constant number of SQL queries', () => {
  let running: RunningApp;

  beforeAll(async () => {
    // Long intervals, so background jobs do not query during the measurement.
    running = await startTestApp({
      INSTANCE_HEARTBEAT_SECONDS: '20',
      STREAMER_GRACE_SECONDS: '3600',
    });
  });
  afterAll(() => running?.close());

  const LIST = /* GraphQL */ `
    query List($limit: Int!) {
      liveStreams(limit: $limit) {
        id
        title
        viewerCount
        peakViewers
        durationSeconds
        streamer {
          id
          username
          displayName
        }
        stats {
          uniqueViewers
          totalWatchSeconds
          averageWatchSeconds
          averageConcurrentViewers
          viewerTimeline {
            at
            viewers
          }
        }
      }
    }
  `;

  it('costs the same queries for limit 1 and limit 25, whatever the nesting', async () => {
    const url = running.url;
    for (let i = 0; i < 25; i++) await liveStream(url, `bulk ${i}`);
    const logger = running.app.get(DataSource).logger as TypeOrmLogger;
    const queriesFor = async (limit: number): Promise<{ queries: number; streams: number }> => {
      // Fewest of three runs: a background heartbeat landing inside one run cannot skew it.
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const before = logger.queryCount;
        const response = await gql(url, LIST, { limit });
        expect(response.errors).toBeUndefined();
        runs.push({
          queries: logger.queryCount - before,
          streams: response.data?.['liveStreams'].length as number,
        });
      }
      return runs.sort((a, b) => a.queries - b.queries)[0];
    };
    const one = await queriesFor(1);
    const many = await queriesFor(25);
    expect(one.streams).toBe(1);
    expect(many.streams).toBe(25);
    expect(many.queries).toBe(one.queries);
    // streams + users + session aggregates + samples
    expect(one.queries).toBeLessThanOrEqual(4);
  });
});

import { PubSub } from 'graphql-subscriptions';

import { loadConfig, PUB_SUB, type EventBus } from '@finserve/api/core';
import {
  decodeRelayBatch,
  type MediaEvent,
  type RelayDown,
  type WorkerStats,
} from '@finserve/api/media';
import {
  MediaBackend,
  mediaChannel,
  MediaRequestError,
  MediaWorkers,
} from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import {
  eventually,
  gql,
  liveStream,
  subscribe,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { startTestApp, testEnv } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const EVENTS = `subscription($id: ID!) { mediaEvents(sessionId: $id) { type sessionId detail } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const receiving = (viewer: CountingSubscriber, packets: number, timeoutMs = 15_000) =>
  eventually(
    () => (viewer.stats.video >= packets && viewer.stats.keyframes > 0 ? true : undefined),
    timeoutMs,
    50,
  );

/** Real peers on a shared two-core machine: connecting can take a while under load. */
const TEST_TIMEOUT_MS = 90_000;

/** The stream's room in each worker (index = worker), undefined where a worker has none. */
async function roomsOf(media: MediaWorkers, streamId: string) {
  const workers = (await media.stats()) as WorkerStats[];
  return workers.map((w) => w.rooms.find((room) => room.streamId === streamId));
}

describe('one stream on every core of a node (MEDIA_WORKERS=2)', () => {
  let running: RunningApp;
  let media: MediaWorkers;
  const peers: { close(): Promise<void> }[] = [];
  const sockets: WsConnection[] = [];

  const publish = async (token: string, streamId: string) => {
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const response = await gql(
      running.url,
      PUBLISH,
      { s: streamId, sdp: await publisher.offer() },
      token,
    );
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    await publisher.answer(response.data?.['publishStream'].sdp as string);
    publisher.start();
    return { publisher, sessionId: response.data?.['publishStream'].sessionId as string };
  };
  const play = async (streamId: string) => {
    const viewer = new CountingSubscriber();
    peers.push(viewer);
    const response = await gql(running.url, PLAY, { s: streamId, sdp: await viewer.offer() });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    await viewer.answer(response.data?.['playStream'].sdp as string);
    return { viewer, sessionId: response.data?.['playStream'].sessionId as string };
  };

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_WORKERS: '2' });
    const backend = running.app.get(MediaBackend);
    if (!(backend instanceof MediaWorkers)) throw new Error('these tests need the embedded SFU');
    media = backend;
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close().catch(() => undefined)));
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });
  afterAll(() => running?.close());

  it(
    'spreads viewers over both workers, and every viewer gets the publisher’s video (relayed to the worker without the publisher)',
    async () => {
      const { streamer, streamId } = await liveStream(running.url, 'cores');
      const { publisher } = await publish(streamer.token, streamId);
      const viewers: Awaited<ReturnType<typeof play>>[] = [];
      for (let i = 0; i < 4; i++) viewers.push(await play(streamId));
      for (const { viewer } of viewers) await receiving(viewer, 60);
      expect(media.streamSessions(streamId)).toBe(5);
      const rooms = await roomsOf(media, streamId);
      expect(rooms.map((room) => room?.subscribers ?? 0).filter((n) => n > 0)).toHaveLength(2);
      const source = rooms.find((room) => room?.publisher);
      const relayed = rooms.find((room) => room?.relayed);
      expect(source?.subscribers).toBeGreaterThan(0);
      expect(relayed?.subscribers).toBeGreaterThan(0);
      expect(relayed?.videoPacketsIn).toBeGreaterThan(30);
      // The relayed room shows the figures sampled at the source.
      await eventually(async () => {
        const [layers] = (await roomsOf(media, streamId))
          .filter((room) => room?.relayed)
          .map((room) => room?.videoLayers ?? []);
        return layers?.[0]?.framesPerSecond ? layers : undefined;
      }, 5000);

      // Video keeps flowing to all of them (~30 fps).
      const before = viewers.map(({ viewer }) => viewer.stats.video);
      await sleep(1000);
      viewers.forEach(({ viewer }, i) =>
        expect(viewer.stats.video - before[i]).toBeGreaterThan(15),
      );

      // A publisher restart: the relayed viewers follow the new source's feed.
      await publisher.close();
      await sleep(500);
      const stalled = viewers.map(({ viewer }) => viewer.stats.video);
      await publish(streamer.token, streamId);
      await eventually(
        () =>
          viewers.every(({ viewer }, i) => viewer.stats.video > stalled[i] + 30) ? true : undefined,
        15_000,
        50,
      );
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'replaces a media worker that stops: its sessions are reported gone (MEDIA_RESTART), re-played viewers and a re-publish get video again',
    async () => {
      const { streamer, streamId } = await liveStream(running.url, 'crash');
      const bus = running.app.get<EventBus>(PUB_SUB);
      const events: MediaEvent[] = [];
      const subscription = await bus.subscribe(
        mediaChannel(streamId),
        (event: MediaEvent) => {
          if (event.detail === 'MEDIA_RESTART') events.push(event);
        },
        {},
      );
      const first = await publish(streamer.token, streamId);
      const viewers: Awaited<ReturnType<typeof play>>[] = [];
      for (let i = 0; i < 3; i++) viewers.push(await play(streamId));
      for (const { viewer } of viewers) await receiving(viewer, 30);
      // What each viewer's client sees of its session.
      const connection = wsConnect(running.url);
      sockets.push(connection);
      const clientEvents = viewers.map(({ sessionId }) =>
        subscribe<{
          mediaEvents: { type: string; sessionId: string | null; detail: string | null };
        }>(connection, EVENTS, { id: sessionId }),
      );
      await sleep(300);

      /** Stops a worker the way a crash does (its thread exits) and waits for its replacement. */
      const stop = async (index: number) => {
        const thread = media.threads[index];
        // A request the stopping worker will never answer: it fails at its exit, not in 60 s.
        const stopped = thread.terminate();
        const pending = media.stats();
        await stopped;
        await expect(pending).rejects.toBeInstanceOf(MediaRequestError);
        await eventually(() => (media.threads[index] !== thread ? true : undefined), 5000);
      };
      const sessionsOnWorker = (rooms: Awaited<ReturnType<typeof roomsOf>>, index: number) =>
        rooms[index]?.subscribers ?? 0;

      // 1. The worker without the publisher stops: its viewers are told, re-open, and get video
      // (relayed from the source into the new worker).
      let rooms = await roomsOf(media, streamId);
      const sourceIndex = rooms.findIndex((room) => room?.publisher);
      const otherIndex = 1 - sourceIndex;
      const onOther = sessionsOnWorker(rooms, otherIndex);
      expect(onOther).toBeGreaterThan(0);
      await stop(otherIndex);
      await eventually(() => (events.length === onOther ? true : undefined), 5000);
      expect(events.every((e) => e.type === 'SESSION_CLOSED')).toBe(true);
      const closed = new Set(events.map((e) => e.sessionId));
      const gone = viewers.filter(({ sessionId }) => closed.has(sessionId));
      expect(gone).toHaveLength(onOther);
      for (const { sessionId } of gone) {
        const seen = await clientEvents[
          viewers.findIndex((v) => v.sessionId === sessionId)
        ].waitFor((e) => e.mediaEvents.type === 'SESSION_CLOSED');
        expect(seen.mediaEvents).toEqual({
          type: 'SESSION_CLOSED',
          sessionId,
          detail: 'MEDIA_RESTART',
        });
      }
      expect(media.streamSessions(streamId)).toBe(4 - onOther);
      // The replacement answers once it has loaded: only then does it take new viewers.
      await media.stats();
      const replayed: typeof viewers = [];
      for (const old of gone) {
        await old.viewer.close();
        replayed.push(await play(streamId));
      }
      for (const { viewer } of replayed) await receiving(viewer, 30);
      rooms = await roomsOf(media, streamId);
      expect(rooms[otherIndex]?.relayed).toBe(true);

      // 2. The source worker stops: its publisher and viewers are told; the viewers elsewhere stay
      // connected, waiting; the publisher publishes again and video comes back to everyone.
      events.length = 0;
      const onSource = sessionsOnWorker(rooms, sourceIndex);
      await stop(sourceIndex);
      await eventually(() => (events.length === onSource + 1 ? true : undefined), 5000);
      expect(events.filter((e) => e.type === 'PUBLISHER_GONE').map((e) => e.sessionId)).toEqual([
        first.sessionId,
      ]);
      const closedNow = new Set(
        events.filter((e) => e.type === 'SESSION_CLOSED').map((e) => e.sessionId),
      );
      const live = [...viewers, ...replayed].filter(
        ({ sessionId }) => !closed.has(sessionId) && !closedNow.has(sessionId),
      );
      const again: typeof viewers = [];
      for (const old of [...viewers, ...replayed].filter(({ sessionId }) =>
        closedNow.has(sessionId),
      )) {
        await old.viewer.close();
        again.push(await play(streamId));
      }
      await first.publisher.close();
      const stalled = live.map(({ viewer }) => viewer.stats.video);
      await publish(streamer.token, streamId);
      for (const { viewer } of again) await receiving(viewer, 30);
      await eventually(
        () =>
          live.every(({ viewer }, i) => viewer.stats.video > stalled[i] + 30) ? true : undefined,
        15_000,
        50,
      );
      expect(live.length + again.length).toBe(3);
      bus.unsubscribe(subscription);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('relay feed between two nodes (tapFeed -> relayFrom, two MediaWorkers in one process)', () => {
  const instances: MediaWorkers[] = [];
  const peers: { close(): Promise<void> }[] = [];

  const node = () => {
    const env = testEnv({ MEDIA_WORKERS: '1' });
    const instance = new MediaWorkers(loadConfig(env), new PubSub());
    instance.onModuleInit();
    instances.push(instance);
    return instance;
  };

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
    await Promise.all(instances.map((i) => i.onApplicationShutdown()));
  });

  it(
    'serves a viewer on node 2 from node 1’s publisher: meta first, video, keyframes asked up the relay',
    async () => {
      const home = node();
      const edge = node();
      const streamId = '00000000-0000-4000-8000-0000000000c1';

      const publisher = new SyntheticPublisher();
      peers.push(publisher);
      const answer = (await home.request(streamId, {
        op: 'publish',
        streamId,
        sessionId: 'publisher-1',
        sdp: await publisher.offer(),
      })) as string;
      await publisher.answer(answer);
      publisher.start();
      await eventually(() => (publisher.stats.pliReceived > 0 ? true : undefined), 20_000);

      const upRequests: (string | undefined)[] = [];
      const tapped: RelayDown[][] = [];
      const home1: { tap?: ReturnType<MediaWorkers['tapFeed']> } = {};
      const ingest = edge.relayFrom(streamId, {
        requestKeyframe: (layerKey) => {
          upRequests.push(layerKey);
          home1.tap?.requestKeyframe(layerKey);
        },
      });
      const tap = home.tapFeed(streamId, (batch) => {
        tapped.push(decodeRelayBatch(batch));
        ingest.push(batch);
      });
      home1.tap = tap;
      await eventually(() => (tapped.length > 0 ? true : undefined), 5000);
      const [first] = tapped[0];
      expect(first.type).toBe('meta');
      expect(first.type === 'meta' && first.video?.mimeType).toBe('video/VP8');
      expect(first.type === 'meta' && first.layers).toEqual([{ key: 'main', rid: null }]);

      const pliBefore = publisher.stats.pliReceived;
      const viewer = new CountingSubscriber();
      peers.push(viewer);
      const playAnswer = (await edge.request(streamId, {
        op: 'play',
        streamId,
        sessionId: 'viewer-1',
        sdp: await viewer.offer(),
      })) as string;
      await viewer.answer(playAnswer);
      await receiving(viewer, 60);
      expect(edge.streamSessions(streamId)).toBe(1);
      expect(home.streamSessions(streamId)).toBe(1);
      // The viewer's keyframe was asked for up the relay and reached the publisher.
      expect(upRequests.length).toBeGreaterThan(0);
      expect(publisher.stats.pliReceived).toBeGreaterThan(pliBefore);
      const [room] = (await edge.stats()) as WorkerStats[];
      expect(room.rooms[0]).toMatchObject({ streamId, publisher: false, relayed: true });

      // The ingest closes: the viewer stays connected, its video stops.
      ingest.close();
      await sleep(300);
      const stopped = viewer.stats.video;
      await sleep(700);
      expect(viewer.stats.video).toBe(stopped);
      expect(viewer.pc.connectionState).toBe('connected');
      tap.close();
    },
    TEST_TIMEOUT_MS,
  );
});

import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import {
  END_STREAM,
  errorCode,
  eventually,
  gql,
  liveStream,
  registerUser,
  subscribe,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { freePort, spawnServer, waitForHealth, type ServerProcess } from './support/process';
import { suiteRedis, testEnv } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const CLOSE = `mutation($id: ID!) { closeMediaSession(sessionId: $id) }`;
const CANDIDATE = `mutation($id: ID!, $c: String!) { addIceCandidate(sessionId: $id, candidate: $c, sdpMid: "0") }`;
const QUALITY = `mutation($id: ID!, $q: VideoQuality!) { setPlaybackQuality(sessionId: $id, quality: $q) }`;
const EVENTS = `subscription($id: ID!) { mediaEvents(sessionId: $id) { type streamId sessionId detail } }`;
const LAYERS = `query($id: ID!) { stream(id: $id) { videoLayers { quality width height } } }`;

type MediaEvent = { mediaEvents: { type: string; sessionId: string | null } };

/**
 * A Redis database of this suite's own: the media nodes of other suites running at the same time
 * (every instance with REDIS_URL is one) stay out of its node list. Channels are shared, but
 * every channel name here is unique.
 */
const REDIS_URL = suiteRedis(process.env['TEST_REDIS_URL'], 11);
const describeCluster =
  process.env['TEST_REDIS_URL'] || process.env['CI'] === 'true' ? describe : describe.skip;

/** The UDP ports of an answer's host candidates (tells which node serves a session). */
function candidatePorts(sdp: string): number[] {
  return [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host/gim)].map((m) =>
    Number(m[1]),
  );
}

interface Instance {
  url: string;
  server: ServerProcess;
  ports: [number, number];
}

describeCluster('the media plane across two API instances (PostgreSQL and Redis shared)', () => {
  const instances: Instance[] = [];
  const peers: { close(): Promise<void> }[] = [];
  const sockets: WsConnection[] = [];
  let a: Instance;
  let b: Instance;

  const start = async (ports: [number, number], env: Record<string, string> = {}) => {
    const port = await freePort();
    const server = spawnServer(
      testEnv({
        PORT: String(port),
        REDIS_URL: REDIS_URL,
        MEDIA_UDP_PORT_RANGE: `${ports[0]}-${ports[1]}`,
        LOG_LEVEL: 'warn',
        ...env,
      }),
    );
    await waitForHealth(server, port);
    const instance = { url: `http://127.0.0.1:${port}`, server, ports };
    instances.push(instance);
    return instance;
  };
  const on = (instance: Instance, sdp: string) =>
    candidatePorts(sdp).every((p) => p >= instance.ports[0] && p <= instance.ports[1]) &&
    candidatePorts(sdp).length > 0;

  const publish = async (
    via: Instance,
    token: string,
    streamId: string,
    codec: 'vp8' | 'h264' = 'vp8',
  ) => {
    const publisher = new SyntheticPublisher(codec);
    peers.push(publisher);
    const response = await gql(
      via.url,
      PUBLISH,
      { s: streamId, sdp: await publisher.offer() },
      token,
    );
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    const answer = response.data?.['publishStream'].sdp as string;
    await publisher.answer(answer);
    publisher.start();
    return { publisher, sessionId: response.data?.['publishStream'].sessionId as string, answer };
  };
  const play = async (via: Instance, streamId: string, token?: string) => {
    const viewer = new CountingSubscriber();
    peers.push(viewer);
    const response = await gql(via.url, PLAY, { s: streamId, sdp: await viewer.offer() }, token);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    const answer = response.data?.['playStream'].sdp as string;
    await viewer.answer(answer);
    return { viewer, sessionId: response.data?.['playStream'].sessionId as string, answer };
  };
  const receiving = async (viewer: CountingSubscriber, timeoutMs = 15_000) => {
    const from = viewer.stats.video;
    await eventually(
      () => (viewer.stats.video >= from + 60 && viewer.stats.keyframes > 0 ? true : undefined),
      timeoutMs,
      100,
    );
  };
  const connect = (instance: Instance, token?: string) => {
    const socket = wsConnect(instance.url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    a = await start([61000, 61099]);
    b = await start([61100, 61199]);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close().catch(() => undefined)));
    await Promise.all(sockets.splice(0).map((s) => s.dispose().catch(() => undefined)));
  });
  afterAll(async () => {
    for (const instance of instances) instance.server.child.kill('SIGTERM');
    await Promise.all(instances.map((i) => i.server.exited));
  });

  it('serves a publisher through A to viewers through B (GraphQL and WHEP), B relaying from the home node A', async () => {
    const { streamer, streamId } = await liveStream(a.url, 'across nodes');
    const published = await publish(a, streamer.token, streamId);
    expect(on(a, published.answer)).toBe(true);
    const viewer = await play(b, streamId);
    expect(on(b, viewer.answer)).toBe(true);
    const whep = new CountingSubscriber();
    peers.push(whep);
    const response = await fetch(`${b.url}/whep/${streamId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: await whep.offer(),
    });
    expect(response.status).toBe(201);
    const whepAnswer = await response.text();
    expect(on(b, whepAnswer)).toBe(true);
    await whep.answer(whepAnswer);
    await receiving(viewer.viewer);
    await receiving(whep);
    // The stream's layers, asked on B, come from the home node.
    const layers = await gql(b.url, LAYERS, { id: streamId });
    expect(layers.data?.['stream'].videoLayers).toHaveLength(1);
    // WHEP's DELETE through the other instance.
    const location = response.headers.get('location') as string;
    expect((await fetch(`${a.url}${location}`, { method: 'DELETE' })).status).toBe(200);
  }, 60_000);

  it('takes trickle ICE, quality switches, closes and mediaEvents for a session through the instance that does not hold it', async () => {
    const { streamer, streamId } = await liveStream(b.url, 'session ops');
    const published = await publish(a, streamer.token, streamId);
    // mediaEvents on B for the publisher's session homed on A.
    const publisherEvents = subscribe<MediaEvent>(connect(b, streamer.token), EVENTS, {
      id: published.sessionId,
    });
    const candidate = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
    const trickled = await gql(
      b.url,
      CANDIDATE,
      { id: published.sessionId, c: candidate },
      streamer.token,
    );
    expect(trickled.errors).toBeUndefined();
    expect(trickled.data?.['addIceCandidate']).toBe(true);
    // Someone else may not use it, on either instance.
    const other = await registerUser(a.url, 'intruder');
    expect(
      errorCode(
        await gql(b.url, CANDIDATE, { id: published.sessionId, c: candidate }, other.token),
      ),
    ).toBe('FORBIDDEN');

    const viewer = await play(b, streamId);
    const viewerEvents = subscribe<MediaEvent>(connect(a), EVENTS, { id: viewer.sessionId });
    await receiving(viewer.viewer);
    const switched = await gql(a.url, QUALITY, { id: viewer.sessionId, q: 'LOW' });
    expect(switched.errors).toBeUndefined();
    expect(switched.data?.['setPlaybackQuality']).toBe(true);
    await publisherEvents.waitFor((e) => e.mediaEvents.type === 'KEYFRAME_REQUESTED');

    expect((await gql(a.url, CLOSE, { id: viewer.sessionId })).data?.['closeMediaSession']).toBe(
      true,
    );
    await viewerEvents.waitFor(
      (e) =>
        e.mediaEvents.type === 'SESSION_CLOSED' && e.mediaEvents.sessionId === viewer.sessionId,
    );
    // Gone everywhere.
    expect(errorCode(await gql(b.url, QUALITY, { id: viewer.sessionId, q: 'AUTO' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      (await gql(b.url, CLOSE, { id: published.sessionId }, streamer.token)).data?.[
        'closeMediaSession'
      ],
    ).toBe(true);
    await publisherEvents.waitFor(
      (e) =>
        e.mediaEvents.type === 'PUBLISHER_GONE' && e.mediaEvents.sessionId === published.sessionId,
    );
  }, 60_000);

  it('answers LL-HLS through the instance that does not package the stream (the home node does; B fetches from it)', async () => {
    const { streamer, streamId } = await liveStream(a.url, 'hls across nodes');
    await publish(a, streamer.token, streamId, 'h264');
    const hlsUrl = await eventually(
      async () =>
        ((await gql(b.url, `query($id: ID!) { stream(id: $id) { hlsUrl } }`, { id: streamId }))
          .data?.['stream'].hlsUrl as string | null) ?? undefined,
      15_000,
      250,
    );
    expect(hlsUrl).toBe(`/hls/${streamId}/index.m3u8`);
    const viaB = await fetch(`${b.url}${hlsUrl}`);
    expect(viaB.status).toBe(200);
    expect(viaB.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const multivariant = await viaB.text();
    expect(multivariant).toContain('CODECS="avc1.42c01f,opus"');
    const rendition = /\n([^#\n]+)\/index\.m3u8/.exec(multivariant)?.[1] as string;
    const base = `/hls/${streamId}/${rendition}`;
    const playlist = await (await fetch(`${b.url}${base}/index.m3u8`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p(\d+)\.(\d+)\.m4s"/.exec(playlist);
    expect(hint).not.toBeNull();
    // A blocking reload and the hinted part, through B: held on the home node until they exist.
    const [blocking, part] = await Promise.all([
      fetch(`${b.url}${base}/index.m3u8?_HLS_msn=${hint?.[1]}&_HLS_part=${hint?.[2]}`),
      fetch(`${b.url}${base}/p${hint?.[1]}.${hint?.[2]}.m4s`),
    ]);
    expect(blocking.status).toBe(200);
    expect(await blocking.text()).toContain(`p${hint?.[1]}.${hint?.[2]}.m4s`);
    expect(part.status).toBe(200);
    expect(part.headers.get('cache-control')).toContain('immutable');
    const fromB = Buffer.from(await part.arrayBuffer());
    const fromA = Buffer.from(
      await (await fetch(`${a.url}${base}/p${hint?.[1]}.${hint?.[2]}.m4s`)).arrayBuffer(),
    );
    expect(fromB.length).toBeGreaterThan(100);
    expect(fromB.equals(fromA)).toBe(true);
    // A stream nobody packages: 404 on both.
    expect((await fetch(`${b.url}/hls/${crypto.randomUUID()}/index.m3u8`)).status).toBe(404);
  }, 60_000);

  it('publishes with WHIP through B to the stream homed on A and ends the stream on both nodes', async () => {
    const { streamer, streamId } = await liveStream(a.url, 'whip across');
    const first = await play(a, streamId); // a viewer first: A becomes the home
    const key = (await gql(b.url, 'mutation { rotateStreamKey }', {}, streamer.token)).data?.[
      'rotateStreamKey'
    ] as string;
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const response = await fetch(`${b.url}/whip/${streamId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
      body: await publisher.offer(),
    });
    expect(response.status).toBe(201);
    const answer = await response.text();
    expect(on(a, answer)).toBe(true);
    await publisher.answer(answer);
    publisher.start();
    const second = await play(b, streamId);
    await receiving(first.viewer);
    await receiving(second.viewer);
    const ended = subscribe<MediaEvent>(connect(b), EVENTS, { id: second.sessionId });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the subscription is set up
    const end = await gql(b.url, END_STREAM, { id: streamId }, streamer.token);
    expect(end.errors).toBeUndefined();
    await ended.waitFor((e) => e.mediaEvents.type === 'STREAM_ENDED');
  }, 60_000);

  it('serves viewer N+1 from the other node, from a relayed copy, when the home node is full', async () => {
    const full = await start([61200, 61299], { MEDIA_NODE_MAX_VIEWERS: '2' });
    const { streamer, streamId } = await liveStream(full.url, 'full node');
    await publish(full, streamer.token, streamId);
    const viewers = [await play(full, streamId), await play(full, streamId)];
    for (const viewer of viewers) expect(on(full, viewer.answer)).toBe(true);
    const third = await play(full, streamId);
    expect(on(full, third.answer)).toBe(false);
    expect(on(a, third.answer) || on(b, third.answer)).toBe(true);
    await Promise.all([...viewers, third].map((v) => receiving(v.viewer)));
    full.server.child.kill('SIGTERM');
  }, 90_000);

  it("keeps B's viewers when the stream's home moves to B: the publisher's node dies and it publishes again through B", async () => {
    const dying = await start([61400, 61499]);
    const { streamer, streamId } = await liveStream(a.url, 'home moves');
    await publish(dying, streamer.token, streamId);
    const viewer = await play(b, streamId);
    await receiving(viewer.viewer);
    dying.server.child.kill('SIGKILL');
    await dying.server.exited;
    const keyframesBefore = viewer.viewer.stats.keyframes;
    const again = await eventually(
      async () => {
        const publisher = new SyntheticPublisher();
        peers.push(publisher);
        const response = await gql(
          b.url,
          PUBLISH,
          { s: streamId, sdp: await publisher.offer() },
          streamer.token,
        );
        if (response.errors) {
          await publisher.close();
          return undefined;
        }
        await publisher.answer(response.data?.['publishStream'].sdp as string);
        publisher.start();
        return publisher;
      },
      15_000,
      500,
    );
    const publishedAt = Date.now();
    await eventually(
      () => (viewer.viewer.stats.keyframes > keyframesBefore ? true : undefined),
      10_000,
      50,
    );
    console.log(
      `B's viewer got the new publisher's keyframe ${Date.now() - publishedAt} ms after it published through B (PLIs: ${again.stats.pliReceived})`,
    );
    await receiving(viewer.viewer);
  }, 60_000);

  it('keeps one recording across the move when the nodes share RECORDING_DIR: the new home continues the live file the dead one left', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'finserve-shared-recordings-'));
    const dying = await start([61500, 61599], { RECORDING_DIR: shared });
    const heir = await start([61600, 61699], { RECORDING_DIR: shared });
    const { streamer, streamId } = await liveStream(dying.url, 'recording moves');
    await publish(dying, streamer.token, streamId);
    await new Promise((resolve) => setTimeout(resolve, 4000)); // about 3 s of it in the live file (the last second is in memory)
    dying.server.child.kill('SIGKILL');
    await dying.server.exited;
    const movedAt = Date.now();
    await eventually(
      async () => {
        try {
          return (await publish(heir, streamer.token, streamId)).publisher;
        } catch {
          return undefined;
        }
      },
      20_000,
      500,
    );
    const republishedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const ended = await gql(heir.url, END_STREAM, { id: streamId }, streamer.token);
    expect(ended.errors).toBeUndefined();
    const endedAt = Date.now();
    const recording = await eventually(
      async () => {
        const r = await gql(
          heir.url,
          `query($id: ID!) { stream(id: $id) { recording { status durationSeconds url } } }`,
          { id: streamId },
        );
        const found = r.data?.['stream'].recording as
          { status: string; durationSeconds: number; url: string } | undefined;
        return found?.status === 'READY' ? found : undefined;
      },
      20_000,
      250,
    );
    // The dead node's part (about 3 s), the time the stream was away, then the heir's part.
    const heirPart = (endedAt - republishedAt) / 1000;
    const away = (republishedAt - movedAt) / 1000;
    console.log(
      `recording across the move: ${recording.durationSeconds.toFixed(1)} s (heir's part ${heirPart.toFixed(1)} s, away ${away.toFixed(1)} s)`,
    );
    expect(recording.durationSeconds).toBeGreaterThan(heirPart + away + 2);
    expect(recording.durationSeconds).toBeLessThan(heirPart + away + 6);
    expect(readdirSync(shared).filter((name) => name.includes('.live.'))).toEqual([]);
  }, 90_000);

  it('closes a relay connection opened without the secret, sending nothing', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const { streamer, streamId } = await liveStream(a.url, 'relay auth');
      const published = await publish(a, streamer.token, streamId);
      const nodes = await Promise.all(
        (await redis.keys('media:node:*')).map(async (k) =>
          JSON.parse((await redis.get(k)) ?? '{}'),
        ),
      );
      const home = await redis.get(`media:home:${streamId}`);
      const relay = (nodes as { id: string; relay: string }[]).find((n) => n.id === home)?.relay;
      expect(relay).toMatch(/^127\.0\.0\.1:\d+$/);
      const [host, port] = (relay as string).split(':');
      const attempt = (payload: Buffer) =>
        new Promise<{ received: number; closed: boolean }>((resolve) => {
          let received = 0;
          const socket = createConnection(Number(port), host, () => socket.write(payload));
          socket.on('data', (chunk) => (received += chunk.length));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve({ received, closed: true }));
          setTimeout(() => {
            socket.destroy();
            resolve({ received, closed: false });
          }, 7000);
        });
      const frame = (body: string) => {
        const payload = Buffer.from(body);
        const header = Buffer.alloc(5);
        header.writeUInt32BE(payload.length + 1, 0);
        header.writeUInt8(1, 4);
        return Buffer.concat([header, payload]);
      };
      const forged = frame(
        JSON.stringify({
          streamId,
          node: 'intruder',
          expires: Date.now() + 30_000,
          mac: createHmac('sha256', 'not the secret').update(`${streamId}|intruder`).digest('hex'),
        }),
      );
      expect(await attempt(forged)).toEqual({ received: 0, closed: true });
      expect(await attempt(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toEqual({
        received: 0,
        closed: true,
      });
      expect(published.sessionId).toBeTruthy();
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('forgets the homes of a node that stopped: the next publisher takes the stream', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const dying = await start([61300, 61399]);
      const { streamer, streamId } = await liveStream(a.url, 'node dies');
      const first = await publish(dying, streamer.token, streamId);
      expect(on(dying, first.answer)).toBe(true);
      const homeBefore = await redis.get(`media:home:${streamId}`);
      expect(homeBefore).toBeTruthy();
      dying.server.child.kill('SIGKILL');
      await dying.server.exited;
      // The publisher comes back through A: the stream moves there once the dead node's beat is gone.
      const again = await eventually(
        async () => {
          const publisher = new SyntheticPublisher();
          peers.push(publisher);
          const response = await gql(
            a.url,
            PUBLISH,
            { s: streamId, sdp: await publisher.offer() },
            streamer.token,
          );
          return response.errors ? undefined : (response.data?.['publishStream'].sdp as string);
        },
        15_000,
        500,
      );
      expect(on(a, again)).toBe(true);
      expect(await redis.get(`media:home:${streamId}`)).not.toBe(homeBefore);
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});

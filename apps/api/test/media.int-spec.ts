import type { RunningApp } from '../src/bootstrap';
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
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const CLOSE = `mutation($id: ID!) { closeMediaSession(sessionId: $id) }`;
const EVENTS = `subscription($id: ID!) { mediaEvents(sessionId: $id) { type streamId sessionId } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('live video through the SFU (werift clients)', () => {
  let running: RunningApp;
  let url: string;
  const peers: { close(): Promise<void> }[] = [];
  const sockets: WsConnection[] = [];

  const publish = async (token: string, streamId: string) => {
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const response = await gql(url, PUBLISH, { s: streamId, sdp: await publisher.offer() }, token);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    await publisher.answer(response.data?.['publishStream'].sdp as string);
    publisher.start();
    return { publisher, sessionId: response.data?.['publishStream'].sessionId as string };
  };
  const play = async (streamId: string, token?: string) => {
    const viewer = new CountingSubscriber();
    peers.push(viewer);
    const response = await gql(url, PLAY, { s: streamId, sdp: await viewer.offer() }, token);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    await viewer.answer(response.data?.['playStream'].sdp as string);
    return { viewer, sessionId: response.data?.['playStream'].sessionId as string };
  };
  const receiving = (viewer: CountingSubscriber, packets: number, timeoutMs = 10_000) =>
    eventually(
      () => (viewer.stats.video >= packets && viewer.stats.keyframes > 0 ? true : undefined),
      timeoutMs,
      50,
    );

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close().catch(() => undefined)));
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  });
  afterAll(() => running?.close());

  it('forwards one publisher to 3 viewers (GraphQL) and 1 (WHEP), gives a late viewer a keyframe within 1 s, and survives a publisher restart', async () => {
    const { streamer, streamId } = await liveStream(url, 'video');
    const first = await publish(streamer.token, streamId);
    const viewers = await Promise.all([
      play(streamId),
      play(streamId, (await registerUser(url, 'v')).token),
      play(streamId),
    ]);
    const whep = new CountingSubscriber();
    peers.push(whep);
    const response = await fetch(`${url}/whep/${streamId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: await whep.offer(),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/sdp/);
    expect(response.headers.get('location')).toMatch(/^\/whep\/sessions\/[0-9a-f-]{36}$/);
    await whep.answer(await response.text());

    for (const { viewer } of viewers) await receiving(viewer, 30);
    await receiving(whep, 30);
    const before = viewers.map(({ viewer }) => viewer.stats.video);
    await sleep(1000);
    viewers.forEach(({ viewer }, i) => expect(viewer.stats.video - before[i]).toBeGreaterThan(15)); // ~30 fps keeps flowing
    expect(first.publisher.stats.pliReceived).toBeGreaterThan(0);

    // A viewer joining later gets a keyframe within 1 s of connecting.
    await sleep(2000);
    const late = await play(streamId);
    await eventually(() => (late.viewer.stats.firstKeyframeAt > 0 ? true : undefined), 5000, 20);
    expect(late.viewer.stats.firstKeyframeAt - late.viewer.stats.connectedAt).toBeLessThan(1000);

    // The streamer reconnects (page reload): viewers keep their connections and video resumes.
    const events = subscribe<{ mediaEvents: { type: string } }>(wsConnect(url), EVENTS, {
      id: viewers[0].sessionId,
    });
    await first.publisher.close();
    await sleep(500);
    const stalled = viewers.map(({ viewer }) => viewer.stats.video);
    await publish(streamer.token, streamId);
    await eventually(
      () =>
        viewers.every(({ viewer }, i) => viewer.stats.video > stalled[i] + 30) ? true : undefined,
      10_000,
      50,
    );
    await events.waitFor((e) => e.mediaEvents.type === 'PUBLISHER_RESTARTED');

    // Ending the stream closes the viewers' connections and tells them.
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    await events.waitFor((e) => e.mediaEvents.type === 'STREAM_ENDED');
    await sleep(300);
    const atEnd = viewers.map(({ viewer }) => viewer.stats.video);
    await sleep(1000);
    expect(viewers.map(({ viewer }) => viewer.stats.video)).toEqual(atEnd); // video stopped

    // The recording is READY, with the stream's duration, and served with Range support.
    const recorded = await eventually(
      async () => {
        const r = await gql(
          url,
          `query($id: ID!) { stream(id: $id) { durationSeconds recording { status durationSeconds sizeBytes url } } }`,
          { id: streamId },
        );
        return r.data?.['stream'].recording?.status === 'READY' ? r.data?.['stream'] : undefined;
      },
      20_000,
      200,
    );
    expect(recorded.recording.durationSeconds).toBeGreaterThan(3);
    expect(recorded.recording.durationSeconds).toBeLessThanOrEqual(recorded.durationSeconds + 1);
    expect(recorded.recording.sizeBytes).toBeGreaterThan(1000);
    const full = await fetch(`${url}${recorded.recording.url}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/webm');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.length).toBe(recorded.recording.sizeBytes);
    const ranged = await fetch(`${url}${recorded.recording.url}`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    const { ALL_FORMATS, BufferSource, Input } = await import('mediabunny');
    const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
    expect(await input.getDurationFromMetadata()).toBeCloseTo(
      recorded.recording.durationSeconds,
      1,
    );
    expect(
      (await fetch(`${url}/recordings/00000000-0000-4000-8000-000000000000.webm`)).status,
    ).toBe(404);
  }, 60_000);

  it('accepts a WHIP publish with the stream key, watchable via WHEP and GraphQL; refuses a bad key', async () => {
    const { streamer, streamId } = await liveStream(url, 'whip');
    const key = (await gql(url, 'mutation { rotateStreamKey }', {}, streamer.token)).data?.[
      'rotateStreamKey'
    ] as string;
    expect(key).toMatch(/^sk_/);
    const encoder = new SyntheticPublisher();
    peers.push(encoder);
    const offer = await encoder.offer();
    const refused = await fetch(`${url}/whip`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer sk_wrong' },
      body: offer,
    });
    expect(refused.status).toBe(401);
    const response = await fetch(`${url}/whip`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
      body: offer,
    });
    expect(response.status).toBe(201);
    const location = response.headers.get('location') as string;
    await encoder.answer(await response.text());
    encoder.start();

    const viaGraphql = await play(streamId);
    const viaWhep = new CountingSubscriber();
    peers.push(viaWhep);
    const whep = await fetch(`${url}/whep/${streamId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: await viaWhep.offer(),
    });
    await viaWhep.answer(await whep.text());
    await receiving(viaGraphql.viewer, 30);
    await receiving(viaWhep, 30);

    expect((await fetch(`${url}${location}`, { method: 'DELETE' })).status).toBe(401);
    expect(
      (
        await fetch(`${url}${location}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${key}` },
        })
      ).status,
    ).toBe(200);
  }, 60_000);

  it("refuses publishing by anyone but the streamer and the use of another user's session", async () => {
    const { streamer, streamId } = await liveStream(url, 'authz');
    const intruder = await registerUser(url, 'intruder');
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const sdp = await publisher.offer();
    expect(errorCode(await gql(url, PUBLISH, { s: streamId, sdp }, intruder.token))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await gql(url, PUBLISH, { s: streamId, sdp }))).toBe('UNAUTHENTICATED');
    expect(
      errorCode(await gql(url, PUBLISH, { s: streamId, sdp: 'not sdp' }, streamer.token)),
    ).toBe('BAD_USER_INPUT');

    const alice = await registerUser(url, 'alice');
    const { sessionId } = await play(streamId, alice.token);
    expect(errorCode(await gql(url, CLOSE, { id: sessionId }, intruder.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(url, CLOSE, { id: sessionId }))).toBe('FORBIDDEN');
    const spying = subscribe(wsConnect(url, intruder.token), EVENTS, { id: sessionId });
    await spying.completed;
    expect(JSON.stringify(spying.errors)).toContain('FORBIDDEN');
    expect((await gql(url, CLOSE, { id: sessionId }, alice.token)).data).toEqual({
      closeMediaSession: true,
    });
    expect(errorCode(await gql(url, CLOSE, { id: sessionId }, alice.token))).toBe('NOT_FOUND');

    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    expect(errorCode(await gql(url, PLAY, { s: streamId, sdp }))).toBe('CONFLICT');
  }, 60_000);
});

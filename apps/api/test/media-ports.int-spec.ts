import type { WorkerStats } from '@finserve/api/media';
import { MediaBackend, MediaWorkers } from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import { END_STREAM, eventually, gql, liveStream } from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

/** The UDP ports of the host candidates an SDP answer offers. */
const candidatePorts = (sdp: string) =>
  [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host/gim)].map((m) => Number(m[1]));

/**
 * An API with `env`, a synthetic publisher live on a stream and `viewers` werift viewers playing
 * it; every answer's UDP candidate ports. The peers close after the suite.
 */
function mediaOn(env: Record<string, string>) {
  const state = { running: undefined as RunningApp | undefined };
  const peers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    state.running = await startTestApp(env);
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    await state.running?.close();
  });
  const play = async (name: string, count: number) => {
    const url = state.running?.url ?? '';
    const { streamer, streamId } = await liveStream(url, name);
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const published = await gql(
      url,
      PUBLISH,
      { s: streamId, sdp: await publisher.offer() },
      streamer.token,
    );
    const answers = [published.data?.['publishStream'].sdp as string];
    await publisher.answer(answers[0]);
    publisher.start();
    const viewers = Array.from({ length: count }, () => new CountingSubscriber());
    peers.push(...viewers);
    for (const viewer of viewers) {
      const played = await gql(url, PLAY, { s: streamId, sdp: await viewer.offer() });
      const answer = played.data?.['playStream'].sdp as string;
      expect(answer).toBeDefined();
      answers.push(answer);
      await viewer.answer(answer);
    }
    return { streamer, streamId, publisher, viewers, ports: answers.flatMap(candidatePorts) };
  };
  return { play, state };
}

const receiving = (viewer: CountingSubscriber, packets = 30) =>
  eventually(() => (viewer.stats.video >= packets ? true : undefined), 10_000, 50);

describe('MEDIA_UDP_PORT_RANGE: media sessions on the ports a firewall or container publishes', () => {
  const { play } = mediaOn({ MEDIA_UDP_PORT_RANGE: '41700-41719' });

  it('offers candidates only inside the range, and video flows through them', async () => {
    const { viewers, ports } = await play('ports', 1);
    expect(ports.length).toBeGreaterThanOrEqual(2);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(41700);
      expect(port).toBeLessThanOrEqual(41719);
    }
    await receiving(viewers[0]);
  });
});

describe('MEDIA_UDP_PORT: every session of a media worker on one UDP port', () => {
  const { play, state } = mediaOn({ MEDIA_UDP_PORT: '41800', MEDIA_WORKERS: '2' });
  const muxes = async () => {
    const backend = state.running?.app.get(MediaBackend);
    if (!(backend instanceof MediaWorkers)) throw new Error('this test needs the embedded SFU');
    return ((await backend.stats()) as WorkerStats[]).map((worker) => worker.udpMux);
  };

  it('offers port 41800 or 41801 (one per worker) to every session, and each viewer gets its own video', async () => {
    const { streamer, streamId, viewers, ports } = await play('muxed', 6);
    // Viewers spread over both workers: both ports are used, and no other.
    expect([...new Set(ports)].sort()).toEqual([41800, 41801]);
    for (const viewer of viewers) await receiving(viewer);

    // A viewer that leaves takes only itself off the shared socket.
    await viewers[0].close();
    const staying = viewers.slice(1);
    await Promise.all(staying.map((viewer) => receiving(viewer, viewer.stats.video + 30)));
    const during = await muxes();
    expect(during.map((mux) => mux?.port).sort()).toEqual([41800, 41801]);
    // Six viewers and the publisher: the one that left closed without a DTLS close_notify (werift
    // sends none), so its session stays until its ICE consent expires (30 s).
    expect(during.reduce((n, mux) => n + (mux?.sessions ?? 0), 0)).toBe(7);

    // The stream ends, every session with it: their routes go too (nothing left on the sockets).
    const ended = await gql(state.running?.url ?? '', END_STREAM, { id: streamId }, streamer.token);
    expect(ended.errors).toBeUndefined();
    const after = await eventually(
      async () => {
        const now = await muxes();
        return now.every((mux) => mux?.sessions === 0 && mux.sources === 0) ? now : undefined;
      },
      20_000,
      250,
    );
    console.log(`muxed ports after the sessions: ${JSON.stringify(after)}`);
  }, 60_000);
});

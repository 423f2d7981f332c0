import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import type { WorkerStats } from '@finserve/api/media';
import { MediaBackend, MediaWorkers } from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, launchChromium } from './support/chromium';
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

/** The TCP side of each media worker's muxed port (MEDIA_UDP_PORT with MEDIA_ICE_TCP). */
async function tcpMuxes(state: { running?: RunningApp }) {
  const backend = state.running?.app.get(MediaBackend);
  if (!(backend instanceof MediaWorkers)) throw new Error('this test needs the embedded SFU');
  return ((await backend.stats()) as WorkerStats[]).map((worker) => worker.tcpMux);
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

describeWithBrowser('ICE over TCP on the muxed port')(
  'MEDIA_UDP_PORT with ICE over TCP: the same port number takes TCP',
  () => {
    const { play, state } = mediaOn({
      MEDIA_UDP_PORT: '41900',
      MEDIA_WORKERS: '1',
      WEB_DIST_DIR: join(__dirname, 'browser-fixtures'),
    });
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('a Chromium viewer that may not use UDP connects to the worker port over TCP and gets the stream', async () => {
      const { streamId } = await play('muxed-tcp', 0);
      const url = state.running?.url ?? '';
      const page = await (browser as Browser).newPage();
      await page.goto(`${url}/media.html`);
      // A viewer on a network that passes no UDP: its UDP candidates are taken out of the offer
      // and the SFU's out of the answer, so no UDP check is ever sent either way and the only
      // pair left is Chromium's active TCP candidate to the SFU's passive one (RFC 6544).
      await page.evaluate(async (id) => {
        const withoutUdp = (sdp: string) =>
          sdp
            .split('\r\n')
            .filter((line) => !/^a=candidate:\S+ \d+ udp /i.test(line))
            .join('\r\n');
        const pc = new RTCPeerConnection();
        (window as unknown as { pc: RTCPeerConnection }).pc = pc;
        pc.addTransceiver('video', { direction: 'recvonly' });
        pc.addTransceiver('audio', { direction: 'recvonly' });
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((resolve) => {
          if (pc.iceGatheringState === 'complete') resolve();
          pc.addEventListener('icegatheringstatechange', () => {
            if (pc.iceGatheringState === 'complete') resolve();
          });
        });
        const response = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sdp } }',
            variables: { s: id, sdp: withoutUdp(pc.localDescription?.sdp ?? '') },
          }),
        });
        const { data } = (await response.json()) as { data: { playStream: { sdp: string } } };
        (window as unknown as { answer: string }).answer = data.playStream.sdp;
        await pc.setRemoteDescription({ type: 'answer', sdp: withoutUdp(data.playStream.sdp) });
      }, streamId);
      const answer = await page.evaluate(() => (window as unknown as { answer: string }).answer);
      // The passive TCP candidates are on the worker's one port, not on a port of the session.
      const tcpPorts = [
        ...answer.matchAll(/^a=candidate:\S+ \d+ tcp \d+ \S+ (\d+) typ host tcptype passive/gim),
      ].map((m) => Number(m[1]));
      expect(tcpPorts.length).toBeGreaterThan(0);
      expect([...new Set(tcpPorts)]).toEqual([41900]);
      const path = await eventually(
        async () => {
          const now = await page.evaluate(async () => {
            const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
            const reports = await pc.getStats();
            let packets = 0;
            let pairId: string | undefined;
            reports.forEach((report) => {
              if (report.type === 'transport') pairId = report.selectedCandidatePairId;
              if (report.type === 'inbound-rtp' && report.kind === 'video')
                packets = report.packetsReceived ?? 0;
            });
            const pair = pairId ? reports.get(pairId) : undefined;
            const local = pair ? reports.get(pair.localCandidateId) : undefined;
            const remote = pair ? reports.get(pair.remoteCandidateId) : undefined;
            return {
              packets,
              local: local?.protocol as string | undefined,
              remote: remote ? `${remote.protocol} ${remote.tcpType ?? ''} ${remote.port}` : '',
            };
          });
          return now.packets >= 60 ? now : undefined;
        },
        20_000,
        250,
      );
      expect(path.local).toBe('tcp');
      expect(path.remote).toBe('tcp passive 41900');
      const [mux] = await tcpMuxes(state);
      expect(mux?.port).toBe(41900);
      expect(mux?.accepted).toBeGreaterThan(0);
      console.log(
        `Chromium without UDP: ${path.packets} video packets over ${path.local} to the SFU's ${path.remote}; TCP mux ${JSON.stringify(mux)}`,
      );
    }, 60_000);
  },
);

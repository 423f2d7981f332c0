import type { RunningApp } from '../src/bootstrap';
import { eventually, gql, liveStream } from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

/** The UDP ports of the host candidates an SDP answer offers. */
const candidatePorts = (sdp: string) =>
  [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host/gim)].map((m) => Number(m[1]));

describe('MEDIA_UDP_PORT_RANGE: media sessions on the ports a firewall or container publishes', () => {
  let running: RunningApp;
  const peers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_UDP_PORT_RANGE: '41700-41719' });
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    await running?.close();
  });

  it('offers candidates only inside the range, and video flows through them', async () => {
    const { streamer, streamId } = await liveStream(running.url, 'ports');
    const publisher = new SyntheticPublisher();
    peers.push(publisher);
    const published = await gql(
      running.url,
      PUBLISH,
      { s: streamId, sdp: await publisher.offer() },
      streamer.token,
    );
    const publisherAnswer = published.data?.['publishStream'].sdp as string;
    await publisher.answer(publisherAnswer);
    publisher.start();

    const viewer = new CountingSubscriber();
    peers.push(viewer);
    const played = await gql(running.url, PLAY, { s: streamId, sdp: await viewer.offer() });
    const viewerAnswer = played.data?.['playStream'].sdp as string;
    await viewer.answer(viewerAnswer);

    const ports = [...candidatePorts(publisherAnswer), ...candidatePorts(viewerAnswer)];
    expect(ports.length).toBeGreaterThanOrEqual(2);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(41700);
      expect(port).toBeLessThanOrEqual(41719);
    }
    await eventually(() => (viewer.stats.video >= 30 ? true : undefined), 10_000, 50);
  });
});

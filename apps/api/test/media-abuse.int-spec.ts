import { createSocket, type Socket } from 'node:dgram';

import { SignalingService } from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import {
  errorCode,
  eventually,
  gql,
  liveStream,
  loginAdmin,
  registerUser,
  STREAM,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const CANDIDATE = `mutation($id: ID!, $c: String!) { addIceCandidate(sessionId: $id, candidate: $c, sdpMid: "0") }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nextIp = 1;
/** A distinct client address per call (the test app trusts X-Forwarded-For from loopback). */
const freshIp = () => `198.51.100.${nextIp++}`;

describe('media abuse limits', () => {
  const peers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close().catch(() => undefined)));
  });

  /** An offer from a real werift peer that is never answered: the session never connects. */
  const abandonedOffer = async () => {
    const viewer = new CountingSubscriber();
    peers.push(viewer);
    return viewer.offer();
  };
  const whep = async (url: string, streamId: string, ip: string, sdp?: string) =>
    fetch(`${url}/whep/${streamId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', 'x-forwarded-for': ip },
      body: sdp ?? (await abandonedOffer()),
    });

  describe('caps and reaping', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startTestApp({ MEDIA_MAX_SESSIONS_PER_IP: '3' });
    });
    afterAll(() => running?.close());

    it('refuses a 4th open session from one IP (429/RATE_LIMITED), closes offers never connected within 20 s, and then admits the IP again', async () => {
      const { url } = running;
      const signaling = running.app.get(SignalingService);
      const { streamId } = await liveStream(url, 'abandoned');
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await whep(url, streamId, ip)).status).toBe(201);
      const before = signaling.openSessions;

      const refused = await whep(url, streamId, ip);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit-limit')).toBe('3');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      const viaGraphql = await gql(
        url,
        PLAY,
        { s: streamId, sdp: await abandonedOffer() },
        undefined,
        {
          'x-forwarded-for': ip,
        },
      );
      expect(errorCode(viaGraphql)).toBe('RATE_LIMITED');
      expect(viaGraphql.errors?.[0]?.extensions?.['retryAfterSeconds']).toEqual(expect.any(Number));
      // Another address is not affected.
      expect((await whep(url, streamId, freshIp())).status).toBe(201);

      const opened = Date.now();
      await eventually(
        () => (signaling.openSessions <= before - 3 ? true : undefined),
        22_000,
        250,
      );
      expect(Date.now() - opened).toBeLessThan(20_000);
      expect((await whep(url, streamId, ip)).status).toBe(201);
    }, 60_000);
  });

  describe('silent peers', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startTestApp();
    });
    afterAll(() => running?.close());

    it('closes a connected viewer whose peer went away without closeMediaSession (within the 30 s ICE consent expiry)', async () => {
      const { url } = running;
      const signaling = running.app.get(SignalingService);
      const { streamId } = await liveStream(url, 'silent');
      const viewer = new CountingSubscriber();
      peers.push(viewer);
      const played = await gql(url, PLAY, { s: streamId, sdp: await viewer.offer() });
      await viewer.answer(played.data?.['playStream'].sdp as string);
      await eventually(() => (viewer.stats.connectedAt > 0 ? true : undefined), 10_000, 100);
      const before = signaling.openSessions;
      // Well past MEDIA_CONNECT_TIMEOUT_MS: a connected session is not reaped for being old.
      await sleep(16_000);
      expect(signaling.openSessions).toBe(before);
      await viewer.close();
      await eventually(() => (signaling.openSessions < before ? true : undefined), 35_000, 250);
    }, 70_000);
  });

  describe('rate limits', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startTestApp({
        MEDIA_SESSIONS_PER_IP_PER_MINUTE: '5',
        MEDIA_SESSIONS_PER_USER_PER_MINUTE: '3',
      });
    });
    afterAll(() => running?.close());

    it('answers the 6th WHEP offer of a minute from one IP with 429, Retry-After and RateLimit headers', async () => {
      const { url } = running;
      const { streamId } = await liveStream(url, 'whep-rate');
      const ip = freshIp();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await whep(url, streamId, ip)).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201]);
      const refused = await whep(url, streamId, ip);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit-limit')).toBe('5');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('ratelimit-policy')).toBe('5;w=60');
      expect(await refused.text()).toMatch(/Too many new media sessions/);
    }, 60_000);

    it('refuses playStream with RATE_LIMITED per IP, and per user whatever the IP', async () => {
      const { url } = running;
      const { streamId } = await liveStream(url, 'play-rate');
      const ip = freshIp();
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await gql(
          url,
          PLAY,
          { s: streamId, sdp: await abandonedOffer() },
          undefined,
          {
            'x-forwarded-for': ip,
          },
        );
        codes.push(errorCode(response));
      }
      expect(codes).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'RATE_LIMITED',
      ]);

      const viewer = await registerUser(url, 'hoarder');
      const userCodes: (string | undefined)[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await gql(
          url,
          PLAY,
          { s: streamId, sdp: await abandonedOffer() },
          viewer.token,
          { 'x-forwarded-for': freshIp() },
        );
        userCodes.push(errorCode(response));
      }
      expect(userCodes).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
    }, 60_000);
  });

  describe('ICE candidates', () => {
    let running: RunningApp;
    let udp: Socket;
    let received = 0;
    beforeAll(async () => {
      running = await startTestApp({ MEDIA_ALLOW_LOOPBACK_CANDIDATES: 'false' });
      udp = createSocket('udp4');
      udp.on('message', () => received++);
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      udp?.close();
      await running?.close();
    });

    it('refuses trickled candidates on loopback, unspecified, broadcast, multicast, link-local and private addresses, and malformed ones, with BAD_USER_INPUT; the SFU sends nothing there', async () => {
      const { url } = running;
      const { streamId } = await liveStream(url, 'candidates');
      const played = await gql(url, PLAY, { s: streamId, sdp: await abandonedOffer() });
      const sessionId = played.data?.['playStream'].sessionId as string;
      const port = udp.address().port;
      const at = (address: string, p = port) =>
        `candidate:1 1 udp 2130706431 ${address} ${p} typ host`;
      for (const candidate of [
        at('127.0.0.1'),
        at('127.0.0.1', 5432),
        at('0.0.0.0'),
        at('255.255.255.255'),
        at('224.0.0.251'),
        at('169.254.10.10'),
        at('10.1.2.3'),
        at('192.168.0.10'),
        at('::1'),
        at('localhost'),
        'garbage',
        'candidate:',
      ]) {
        const response = await gql(url, CANDIDATE, { id: sessionId, c: candidate });
        expect({ candidate, code: errorCode(response) }).toEqual({
          candidate,
          code: 'BAD_USER_INPUT',
        });
      }
      const publicCandidate = await gql(url, CANDIDATE, { id: sessionId, c: at('203.0.113.9') });
      expect(publicCandidate.data?.['addIceCandidate']).toBe(true);
      await sleep(1500);
      expect(received).toBe(0);
    }, 60_000);

    it('strips refused candidates from an offer: the SFU never sends STUN to a loopback address named in it', async () => {
      const { url } = running;
      const { streamId } = await liveStream(url, 'offer-candidates');
      const offer = (await abandonedOffer()).replace(
        /(a=mid:[^\r\n]*\r\n)/,
        `$1a=candidate:1 1 udp 2130706431 127.0.0.1 ${udp.address().port} typ host\r\n`,
      );
      expect(offer).toContain(`127.0.0.1 ${udp.address().port} typ host`);
      const response = await whep(url, streamId, freshIp(), offer);
      expect(response.status).toBe(201);
      await sleep(2000);
      expect(received).toBe(0);
    }, 60_000);
  });

  describe('platform ban', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startTestApp();
    });
    afterAll(() => running?.close());

    it("ends the banned streamer's LIVE stream and media sessions and refuses their stream key, publishStream and tips to the stream", async () => {
      const { url } = running;
      const signaling = running.app.get(SignalingService);
      const { streamer, streamId } = await liveStream(url, 'banned');
      const key = (await gql(url, 'mutation { rotateStreamKey }', {}, streamer.token)).data?.[
        'rotateStreamKey'
      ] as string;
      const whip = async () => {
        const encoder = new SyntheticPublisher();
        peers.push(encoder);
        return fetch(`${url}/whip`, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
          body: await encoder.offer(),
        });
      };
      expect((await whip()).status).toBe(201);
      const sessionsBefore = signaling.openSessions;
      expect(sessionsBefore).toBeGreaterThan(0);

      const admin = await loginAdmin(url);
      const tipper = await registerUser(url, 'tipper');
      await gql(
        url,
        'mutation C($id: ID!, $r: String!) { creditWallet(input: { userId: $id, amountCents: 500, reference: $r }) { balanceCents } }',
        { id: tipper.id, r: `ref-${Math.random()}` },
        admin,
      );
      const tip = () =>
        gql(
          url,
          'mutation T($s: ID!, $k: String!) { sendTip(input: { streamId: $s, amountCents: 100, idempotencyKey: $k }) { id } }',
          { s: streamId, k: `k-${Math.random()}` },
          tipper.token,
        );
      expect(errorCode(await tip())).toBeUndefined();

      const banned = await gql(
        url,
        'mutation B($id: ID!) { banUser(userId: $id, reason: "abuse") { id } }',
        { id: streamer.id },
        admin,
      );
      expect(banned.errors).toBeUndefined();

      const stream = await gql(url, STREAM, { id: streamId });
      expect(stream.data?.['stream'].status).toBe('ENDED');
      expect(signaling.openSessions).toBe(sessionsBefore - 1);
      const refused = await whip();
      expect(refused.status).toBe(403);
      const publish = await gql(url, PUBLISH, { s: streamId, sdp: 'v=0' }, streamer.token);
      expect(['UNAUTHENTICATED', 'FORBIDDEN']).toContain(errorCode(publish));
      expect(errorCode(await tip())).toBeDefined();
    }, 60_000);
  });
});

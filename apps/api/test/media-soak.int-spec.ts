import { readdirSync, readFileSync } from 'node:fs';

import { errorCode, gql, liveStream } from './support/graphql-client';
import { freePort, spawnServer, waitForHealth, type ServerProcess } from './support/process';
import { testEnv } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

/** Abandoned sessions per source (one IP, then as many IPs); SOAK_SESSIONS for a longer run. */
const SESSIONS = Number(process.env['SOAK_SESSIONS'] ?? 500);
/** How long after the flood the server must be back to its baseline. */
const SETTLE_SECONDS = Number(process.env['SOAK_SETTLE_SECONDS'] ?? 60);
const PER_STREAM_CAP = 60;
const CONNECT_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function footprint(pid: number): { fds: number; rssKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]),
  };
}

/**
 * Abandoned media sessions (an offer, then nothing) from one address and from many (forwarded
 * through a trusted proxy) must be refused beyond the limits and caps, and those admitted must be
 * reaped: the server process's open files and RSS come back to within 10 % of their baseline,
 * while a real viewer keeps receiving video throughout. The server is its own process, measured
 * through /proc.
 */
describe('media session flood (soak)', () => {
  let server: ServerProcess;
  let url: string;
  const peers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    server = spawnServer(
      testEnv({
        PORT: String(port),
        LOG_LEVEL: 'warn',
        TRUST_PROXY: 'loopback',
        // The production defaults, except a per-stream cap the test can reach.
        MEDIA_SESSIONS_PER_IP_PER_MINUTE: '30',
        MEDIA_SESSIONS_PER_USER_PER_MINUTE: '20',
        MEDIA_MAX_SESSIONS_PER_IP: '20',
        MEDIA_MAX_SESSIONS_PER_USER: '10',
        MEDIA_MAX_SESSIONS_PER_STREAM: String(PER_STREAM_CAP),
        MEDIA_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      }),
    );
    await waitForHealth(server, port);
    url = `http://127.0.0.1:${port}`;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);

  it(
    `refuses abandoned sessions beyond the limits, reaps the rest, and is back to baseline fds and RSS ${SETTLE_SECONDS} s later while a viewer keeps receiving`,
    async () => {
      const pid = server.child.pid as number;
      const { streamer, streamId } = await liveStream(url, 'soak');
      const publisher = new SyntheticPublisher();
      peers.push(publisher);
      const published = await gql(
        url,
        PUBLISH,
        { s: streamId, sdp: await publisher.offer() },
        streamer.token,
        { 'x-forwarded-for': '192.0.2.1' },
      );
      expect(published.errors).toBeUndefined();
      await publisher.answer(published.data?.['publishStream'].sdp as string);
      publisher.start();
      const viewer = new CountingSubscriber();
      peers.push(viewer);
      const played = await gql(url, PLAY, { s: streamId, sdp: await viewer.offer() }, undefined, {
        'x-forwarded-for': '192.0.2.2',
      });
      expect(played.errors).toBeUndefined();
      await viewer.answer(played.data?.['playStream'].sdp as string);

      // One real offer, sent again and again: each POST makes the SFU build a peer connection.
      const template = new CountingSubscriber();
      const offer = await template.offer();
      await template.close();
      const whep = (ip: string) =>
        fetch(`${url}/whep/${streamId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp', 'x-forwarded-for': ip },
          body: offer,
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        });

      /** SESSIONS abandoned offers from one address, then SESSIONS from as many addresses. */
      const flood = async (oneIp: string, manyFirstOctet: number) => {
        const fromOne: number[] = [];
        for (let i = 0; i < SESSIONS; i += 25)
          fromOne.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(25, SESSIONS - i) }, () => whep(oneIp)),
            )),
          );
        const fromMany: number[] = [];
        const manyStarted = Date.now();
        for (let i = 0; i < SESSIONS; i += 25)
          fromMany.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(25, SESSIONS - i) }, (_, j) => {
                const n = i + j;
                return whep(`${manyFirstOctet}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
              }),
            )),
          );
        return { fromOne, fromMany, manyMs: Date.now() - manyStarted };
      };

      // Warm up with a whole flood (first peer connections compile code, the allocator and V8 grow
      // their pools to the high-water mark), let it be reaped, then take the baseline: the measured
      // flood must leave nothing behind.
      const warmUp = await flood('198.51.100.66', 11);
      expect(warmUp.fromOne.filter((s) => s === 201).length).toBeGreaterThan(0);
      const beforeWarmUp = footprint(pid);
      await sleep(CONNECT_TIMEOUT_MS + 5000);
      const baseline = footprint(pid);

      // The viewer's video must never stop: sample its packet count every second.
      const stalls: number[] = [];
      let last = viewer.stats.video;
      let lastAt = Date.now();
      const sampler = setInterval(() => {
        if (viewer.stats.video > last) {
          last = viewer.stats.video;
          lastAt = Date.now();
        } else if (Date.now() - lastAt > 2000) stalls.push(Date.now() - lastAt);
      }, 1000);

      try {
        const { fromOne, fromMany, manyMs } = await flood('198.51.100.77', 10);
        const count = (statuses: number[], status: number) =>
          statuses.filter((s) => s === status).length;
        const peak = footprint(pid);
        // A refused viewer over GraphQL gets the documented code.
        const refused = await gql(url, PLAY, { s: streamId, sdp: offer }, undefined, {
          'x-forwarded-for': '198.51.100.77',
        });

        await sleep(SETTLE_SECONDS * 1000);
        const after = footprint(pid);
        process.stdout.write(
          `soak: ${SESSIONS} from one IP (${count(fromOne, 201)} admitted), ${SESSIONS} from many in ${manyMs} ms (${count(fromMany, 201)} admitted); ` +
            `first flood peak: fds ${beforeWarmUp.fds}, RSS ${beforeWarmUp.rssKiB} KiB; ` +
            `fds ${baseline.fds} -> peak ${peak.fds} -> ${after.fds}; RSS ${baseline.rssKiB} KiB -> peak ${peak.rssKiB} KiB -> ${after.rssKiB} KiB; ` +
            `viewer video packets ${viewer.stats.video}, stalls ${JSON.stringify(stalls)}\n`,
        );
        // One address: at most MEDIA_MAX_SESSIONS_PER_IP open, everything else 429.
        expect(count(fromOne, 201)).toBeLessThanOrEqual(20);
        expect(count(fromOne, 201) + count(fromOne, 429)).toBe(SESSIONS);
        expect(errorCode(refused)).toBe('RATE_LIMITED');
        // Many addresses: at most the stream's cap open at once (abandoned ones are reaped after
        // MEDIA_CONNECT_TIMEOUT_MS, freeing room), everything else 429.
        expect(count(fromMany, 429)).toBeGreaterThan(0);
        expect(count(fromMany, 201)).toBeLessThanOrEqual(
          PER_STREAM_CAP * (Math.ceil(manyMs / CONNECT_TIMEOUT_MS) + 1),
        );
        expect(count(fromMany, 201) + count(fromMany, 429)).toBe(SESSIONS);
        expect(after.fds).toBeLessThanOrEqual(baseline.fds * 1.1);
        expect(after.rssKiB).toBeLessThanOrEqual(baseline.rssKiB * 1.1);
        expect(stalls).toEqual([]);
        // The abandoned sessions are gone: the same address is admitted again.
        expect(await whep('198.51.100.77')).toBe(201);
      } finally {
        clearInterval(sampler);
      }
    },
    150_000 + SETTLE_SECONDS * 1000 + SESSIONS * 60,
  );
});

#!/usr/bin/env node
// bench:video: one 720p simulcast publisher (q/h/f at 180p/360p/720p, ~0.15/0.6/2.5 Mbit/s) and N
// viewers on AUTO through the SFU (werift clients in separate processes, real GraphQL signaling),
// for each N in SUBSCRIBERS (default 10,25,50): time from connection to first keyframe, video
// packets/s and kbit/s per viewer, loss (gaps in the RTP sequence numbers each viewer got), the
// API process's CPU and memory, and the media workers' CPU (their threads, from /proc) per packet
// they forwarded. The viewers count packets without decrypting them (bench/video-peer.mjs), so
// they cost less than the server. Prints the largest N held with < 1 % loss. MEDIA_WORKERS
// (default 1) is passed to the API. The load processes run at nice LOAD_NICE (default 10): on
// this one machine they stand in for the viewers' own machines, so they take what the server
// leaves rather than the server's cores (LOAD_NICE=0: equal shares). A viewer whose ICE fails,
// or that is not connected 10 s after its answer, joins again once, as the web player does; the
// bench says how many did.
//
// NODES=2 starts two API processes as two media nodes (one PostgreSQL database, made fresh on
// DATABASE_URL's server, and Redis at REDIS_URL; defaults: the local ones) and splits the viewers'
// load processes between them: the publisher is on node 1, node 2 serves its viewers from one
// relayed copy. Each row then also gives the viewers, loss and worker CPU of each node.
import { fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LEVELS = (process.env.SUBSCRIBERS ?? '10,25,50').split(',').map(Number);
const PER_PROCESS = Number(process.env.PER_PROCESS ?? 25);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const LOAD_NICE = Number(process.env.LOAD_NICE ?? 10);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
}
/** CPU seconds of each media worker (worker threads are named WorkerThread), by thread id. */
function workerCpuSeconds(pid) {
  const result = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'WorkerThread') continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended
    }
  }
  return result;
}
/** Datagrams the kernel dropped because a UDP socket's receive buffer was full (all sockets). */
function udpReceiveBufferDrops() {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Udp:'))
    .map((line) => line.split(/\s+/));
  return Number(values[names.indexOf('RcvbufErrors')]);
}
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function gql(url, query, variables = {}, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** What to stop when the bench fails half-way: the API and the load processes. */
const started = new Set();

/** A load process (bench/video-peer.mjs) given `message`; `next()` is its next message. */
function load(message) {
  return new Promise((resolve, reject) => {
    const child = fork(join(root, 'bench/video-peer.mjs'));
    started.add(child);
    if (message.role === 'subscribers' && LOAD_NICE) setPriority(child.pid, LOAD_NICE);
    const queue = [];
    const waiting = [];
    child.on('message', (m) => (waiting.length ? waiting.shift()(m) : queue.push(m)));
    const next = () =>
      queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r));
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`load process exited ${code}`)));
    child.send(message);
    void next().then((reply) => resolve({ child, reply, next }));
  });
}

const NODES = Number(process.env.NODES ?? 1);

/** A fresh database on DATABASE_URL's server, for the nodes of a NODES > 1 run. */
async function freshDatabase() {
  const { default: pg } = await import('pg');
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_video_${randomUUID().slice(0, 8)}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startNode(env) {
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  started.add(server);
  const url = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await sleep(200);
  }
  return { server, url };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-video-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const cluster =
    NODES > 1
      ? {
          DATABASE_URL: await freshDatabase(),
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        }
      : {};
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: randomUUID() + randomUUID(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    // Every load client comes from 127.0.0.1: lift the per-IP and per-user abuse limits.
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    MEDIA_HOST_ADDRESSES: '127.0.0.1',
    // No broadcast console is open: the stream would end after the presence grace period.
    STREAMER_GRACE_SECONDS: '86400',
    MEDIA_SESSIONS_PER_IP_PER_MINUTE: '1000000',
    MEDIA_SESSIONS_PER_USER_PER_MINUTE: '1000000',
    MEDIA_MAX_SESSIONS_PER_IP: '1000000',
    MEDIA_MAX_SESSIONS_PER_USER: '1000000',
    MEDIA_MAX_SESSIONS_PER_STREAM: '1000000',
    // The bench looks for the limit itself: no admission control (MEDIA_NODE_MAX_VIEWERS=N to
    // see it at work).
    MEDIA_NODE_MAX_VIEWERS: process.env.MEDIA_NODE_MAX_VIEWERS ?? '0',
    MEDIA_WORKERS: process.env.MEDIA_WORKERS ?? '1',
    ...cluster,
  };
  const nodes = [await startNode(env)];
  for (let i = 1; i < NODES; i++)
    nodes.push(
      await startNode({
        ...env,
        PORT: String(await freePort()),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-video-')),
      }),
    );
  const { server, url } = nodes[0];
  const { register } = await gql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { username: `bench_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' } },
  );
  const token = register.accessToken;
  const { createStream } = await gql(
    url,
    'mutation { createStream(input: { title: "video bench" }) { id } }',
    {},
    token,
  );
  const publisher = await load({ role: 'publisher', url, streamId: createStream.id, token });
  await sleep(1500);

  const srtp = process.env.BENCH_SRTP === 'gcm' ? 'AEAD_AES_128_GCM' : 'AES_CM_128_HMAC_SHA1_80';
  console.log(
    `one 720p simulcast publisher (VP8 q/h/f 30 fps + Opus), viewers on AUTO in processes of ${PER_PROCESS}, ${WINDOW_MS / 1000} s windows, MEDIA_WORKERS=${env.MEDIA_WORKERS}, SRTP ${srtp}${NODES > 1 ? `, ${NODES} nodes (publisher on node 1; load processes split between the nodes)` : ''}`,
  );
  console.log(
    'viewers | connected | 1st keyframe p50/max (ms) | video pkt/s per viewer (min/avg) | kbit/s avg | loss    | API CPU (cores) | worker CPU (cores) | worker µs/fwd pkt (above idle) | UDP rcvbuf drops | API RSS (MB)',
  );
  // The workers' CPU with the publisher alone (receiving its three layers, no viewer): what a
  // forwarded packet costs is measured above it.
  const allWorkerSeconds = () =>
    nodes.reduce(
      (sum, node) =>
        sum + [...workerCpuSeconds(node.server.pid).values()].reduce((a, b) => a + b, 0),
      0,
    );
  const idle0 = allWorkerSeconds();
  const idleT0 = performance.now();
  await sleep(WINDOW_MS);
  const idleCores = (allWorkerSeconds() - idle0) / ((performance.now() - idleT0) / 1000);
  console.log(`worker CPU with the publisher alone: ${idleCores.toFixed(3)} cores`);
  let best = 0;
  for (const n of LEVELS) {
    const shares = Array.from({ length: Math.ceil(n / PER_PROCESS) }, (_, i) =>
      Math.min(PER_PROCESS, n - i * PER_PROCESS),
    );
    // Every load process joins its viewers and lets them settle, then all measure one window.
    const loads = await Promise.all(
      shares.map(async (count, i) => ({
        node: i % NODES,
        ...(await load({
          role: 'subscribers',
          url: nodes[i % NODES].url,
          streamId: createStream.id,
          count,
          staggerMs: 50,
        })),
      })),
    );
    const cpu0 = cpuSeconds(server.pid);
    const workers0 = nodes.map((node) => workerCpuSeconds(node.server.pid));
    const drops0 = udpReceiveBufferDrops();
    const t0 = performance.now();
    loads.forEach((l) => l.child.send({ measureMs: WINDOW_MS }));
    const results = await Promise.all(
      loads.map(async (l) => ({
        node: l.node,
        child: l.child,
        next: l.next,
        reply: await l.next(),
      })),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cores = (cpuSeconds(server.pid) - cpu0) / seconds;
    const perNodeWorkerSeconds = nodes.map((node, i) =>
      [...workerCpuSeconds(node.server.pid)].reduce(
        (sum, [tid, cpu]) => sum + cpu - (workers0[i].get(tid) ?? 0),
        0,
      ),
    );
    const drops = udpReceiveBufferDrops() - drops0;
    const workerSeconds = perNodeWorkerSeconds.reduce((a, b) => a + b, 0);
    const viewers = results.flatMap((r) => r.reply.viewers);
    // The viewers leave (see video-peer.mjs) before the next step: 5 s at most, then a second
    // for the SFU to let them go.
    await Promise.all(
      results.map(async (r) => {
        r.child.send({ close: true });
        await Promise.race([r.next(), sleep(5000)]);
        r.child.kill();
      }),
    );
    await sleep(1000);
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(viewers));
    const connected = viewers.filter((v) => v.connected).length;
    const keys = viewers
      .map((v) => v.firstKeyframeMs)
      .filter((v) => v !== null)
      .sort((a, b) => a - b);
    const rates = viewers.map((v) => v.packetsPerSecond);
    const avg = rates.reduce((a, b) => a + b, 0) / rates.length;
    const kbps = viewers.reduce((a, v) => a + v.kbps, 0) / viewers.length;
    const expected = viewers.reduce((a, v) => a + v.expected, 0);
    const received = viewers.reduce((a, v) => a + v.received, 0);
    const loss = expected > 0 ? Math.max(0, 1 - received / expected) : 1;
    // What the workers sent the viewers in the window: video, audio, padding probes and RTX, and
    // what was lost on the way.
    const windowPackets = viewers.reduce(
      (a, v) => a + v.videoPackets + v.otherPackets + (v.expected - v.received),
      0,
    );
    const packetsPerSecond = windowPackets / seconds;
    const workerCores = workerSeconds / seconds;
    const microsPerPacket =
      packetsPerSecond > 0 ? (Math.max(0, workerCores - idleCores) * 1e6) / packetsPerSecond : NaN;
    if (loss < 0.01 && connected === n) best = n;
    console.log(
      [
        String(n).padStart(7),
        String(connected).padStart(9),
        `${(keys[Math.floor(keys.length / 2)] ?? NaN).toFixed(0).padStart(8)} / ${(keys.at(-1) ?? NaN).toFixed(0).padEnd(14)}`,
        `${Math.min(...rates)
          .toFixed(1)
          .padStart(6)} / ${avg.toFixed(1).padEnd(23)}`,
        kbps.toFixed(0).padStart(10),
        `${(loss * 100).toFixed(2).padStart(5)} %`,
        cores.toFixed(2).padStart(15),
        workerCores.toFixed(2).padStart(18),
        microsPerPacket.toFixed(1).padStart(30),
        String(drops).padStart(16),
        rssMb(server.pid).toFixed(0).padStart(12),
      ].join(' | '),
    );
    const retried = viewers.filter((v) => v.retried);
    if (retried.length)
      console.log(
        `        ${retried.length} viewer(s) failed on their first try (ICE, or not connected in 10 s) and joined again (as the web player retries): ${retried.filter((v) => v.connected).length} connected`,
      );
    if (NODES > 1)
      nodes.forEach((_, i) => {
        const mine = results.filter((r) => r.node === i).flatMap((r) => r.reply.viewers);
        const exp = mine.reduce((a, v) => a + v.expected, 0);
        const got = mine.reduce((a, v) => a + v.received, 0);
        console.log(
          `        node ${i + 1}${i === 0 ? ' (home)' : ' (relay)'}: ${mine.filter((v) => v.connected).length} viewers, loss ${((exp > 0 ? Math.max(0, 1 - got / exp) : 1) * 100).toFixed(2)} %, worker CPU ${(perNodeWorkerSeconds[i] / seconds).toFixed(2)} cores`,
        );
      });
    await sleep(2000);
  }
  console.log(`largest N with < 1 % loss on this machine: ${best}`);
  publisher.child.kill();
  for (const node of nodes) node.server.kill('SIGTERM');
  await Promise.all(nodes.map((node) => new Promise((r) => node.server.once('exit', r))));
}

main().catch((error) => {
  console.error(error);
  for (const child of started) child.kill('SIGTERM');
  process.exitCode = 1;
});

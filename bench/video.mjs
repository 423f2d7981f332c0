#!/usr/bin/env node
// bench:video: one publisher and N subscribers through the SFU (werift clients in separate
// processes, real GraphQL signaling), for each N in SUBSCRIBERS (default 10,25,50): time from
// connection to first keyframe, video packets/s per subscriber (the publisher sends 30/s), loss,
// and the API process's CPU and memory (the SFU runs in its worker threads). Prints the largest
// N held with < 1 % loss.
import { fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LEVELS = (process.env.SUBSCRIBERS ?? '10,25,50').split(',').map(Number);
const PER_PROCESS = Number(process.env.PER_PROCESS ?? 25);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const SENT_PER_SECOND = 30;

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

function load(message) {
  return new Promise((resolve, reject) => {
    const child = fork(join(root, 'bench/video-peer.mjs'));
    child.once('message', (reply) => resolve({ child, reply }));
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`load process exited ${code}`)));
    child.send(message);
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-video-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
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
    MEDIA_WORKERS: process.env.MEDIA_WORKERS ?? '1',
  };
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await sleep(200);
  }
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

  console.log(
    `one publisher (VP8 30 fps + Opus), subscribers in processes of ${PER_PROCESS}, ${WINDOW_MS / 1000} s windows, MEDIA_WORKERS=${env.MEDIA_WORKERS}`,
  );
  console.log(
    'subscribers | connected | first keyframe p50/max (ms) | video pkt/s per subscriber (min/avg) | loss    | API CPU (cores) | API RSS (MB)',
  );
  let best = 0;
  for (const n of LEVELS) {
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const shares = Array.from({ length: Math.ceil(n / PER_PROCESS) }, (_, i) =>
      Math.min(PER_PROCESS, n - i * PER_PROCESS),
    );
    const results = await Promise.all(
      shares.map((count) =>
        load({
          role: 'subscribers',
          url,
          streamId: createStream.id,
          count,
          staggerMs: 50,
          windowMs: WINDOW_MS,
        }),
      ),
    );
    const cores = (cpuSeconds(server.pid) - cpu0) / ((performance.now() - t0) / 1000);
    const viewers = results.flatMap((r) => r.reply.viewers);
    results.forEach((r) => r.child.kill());
    const connected = viewers.filter((v) => v.connected).length;
    const keys = viewers
      .map((v) => v.firstKeyframeMs)
      .filter((v) => v !== null)
      .sort((a, b) => a - b);
    const rates = viewers.map((v) => v.packetsPerSecond);
    const avg = rates.reduce((a, b) => a + b, 0) / rates.length;
    const loss = Math.max(0, 1 - avg / SENT_PER_SECOND);
    if (loss < 0.01 && connected === n) best = n;
    console.log(
      `${String(n).padStart(11)} | ${String(connected).padStart(9)} | ${(keys[Math.floor(keys.length / 2)] ?? NaN).toFixed(0).padStart(8)} / ${(keys.at(-1) ?? NaN).toFixed(0).padEnd(16)} | ${Math.min(
        ...rates,
      )
        .toFixed(1)
        .padStart(
          6,
        )} / ${avg.toFixed(1).padEnd(27)} | ${(loss * 100).toFixed(2).padStart(5)} % | ${cores.toFixed(2).padStart(15)} | ${rssMb(server.pid).toFixed(0).padStart(12)}`,
    );
    await sleep(2000);
  }
  console.log(`largest N with < 1 % loss on this machine: ${best}`);
  publisher.child.kill();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

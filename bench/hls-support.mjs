// Shared by the LL-HLS benches (bench:hls, the HLS mode of bench:latency): the API as its own
// process, Chromium, an H.264 publisher page (the clock painted into a canvas, or the fake camera
// as three simulcast layers), reading the painted clock back from decoded frames, and Debian's
// nginx as a caching proxy (the same configuration as apps/api/test/support/nginx-cache.ts).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HLS_JS = join(root, 'node_modules/hls.js/dist/hls.min.js');
export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function gql(url, query, variables = {}, token) {
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

/** utime + stime of a process (all its threads), in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, 100/s
}

/** utime + stime of a process's media worker threads (named WorkerThread), in seconds. */
export function workerCpuSeconds(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'WorkerThread') continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the thread ended
    }
  }
  return total;
}

/**
 * dist/apps/api/main.js as its own process (fresh embedded database), serving the browser
 * fixture pages (apps/api/test/browser-fixtures) as its web app. Returns { server, url, stop }.
 */
export async function startApi(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-hls-bench-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: {
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
      WEB_DIST_DIR: join(root, 'apps/api/test/browser-fixtures'),
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  };
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {}
      if (i > 300 || server.exitCode !== null) throw new Error('server did not start');
      await sleep(200);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { server, url, stop };
}

/** A streamer with one stream: { token, streamId }. */
export async function createStreamer(url, title) {
  const { register } = await gql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { username: `hls_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' } },
  );
  const { createStream } = await gql(
    url,
    'mutation($t: String!) { createStream(input: { title: $t }) { id } }',
    { t: title },
    register.accessToken,
  );
  return { token: register.accessToken, streamId: createStream.id };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
}

// The painted clock: 32 black or white blocks of 20 px (bench/glass-to-glass.mjs reads them back).
const BITS = 32;
const BLOCK = 20;

/**
 * Publishes from `page` (a page of the API's origin) with H.264 first in the offer
 * (`setCodecPreferences`, constrained baseline packetization-mode 1 at the head, as the app's
 * console does). `source`: 'clock' (the clock painted into a 640x120 canvas, 30 fps, one layer) or
 * 'camera' (Chromium's fake camera at 1280x720 as three simulcast layers q/h/f, 180p/360p/720p at
 * 150 kbps/600 kbps/2.5 Mbps, like the console). Waits for encoded frames and throws unless every
 * video layer is sent as H.264. Returns { codec, encoder, layers }.
 */
export async function publishH264(page, { streamId, token, source }) {
  await page.evaluate(
    async ([streamId, token, source, BITS, BLOCK]) => {
      let track;
      if (source === 'clock') {
        const canvas = document.createElement('canvas');
        canvas.width = BITS * BLOCK;
        canvas.height = 120;
        const context = canvas.getContext('2d');
        const paint = () => {
          const now = Math.floor(Date.now()) % 2 ** BITS;
          for (let bit = 0; bit < BITS; bit++) {
            context.fillStyle = (now >>> (BITS - 1 - bit)) & 1 ? '#fff' : '#000';
            context.fillRect(bit * BLOCK, 0, BLOCK, canvas.height);
          }
          requestAnimationFrame(paint);
        };
        paint();
        [track] = canvas.captureStream(30).getVideoTracks();
      } else {
        const media = await navigator.mediaDevices.getUserMedia({
          video: { width: 1280, height: 720, frameRate: 30 },
        });
        [track] = media.getVideoTracks();
      }
      // On a busy machine Chromium adapts to CPU by scaling down, then turns simulcast layers
      // off (the 720p rendition stalls): keep the resolution, let the frame rate drop instead.
      track.contentHint = 'detail';
      const pc = new RTCPeerConnection();
      const transceiver = pc.addTransceiver(track, {
        direction: 'sendonly',
        ...(source === 'camera'
          ? {
              sendEncodings: [
                { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 30 },
                { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 600_000, maxFramerate: 30 },
                { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 30 },
              ],
            }
          : {}),
      });
      const rank = (codec) => {
        if (codec.mimeType.toLowerCase() !== 'video/h264') return 3;
        const fmtp = codec.sdpFmtpLine ?? '';
        if (!/packetization-mode=1/.test(fmtp)) return 2;
        return /profile-level-id=42e0/i.test(fmtp) ? 0 : 1;
      };
      const { codecs } = RTCRtpSender.getCapabilities('video');
      if (!codecs.some((c) => c.mimeType.toLowerCase() === 'video/h264'))
        throw new Error('this Chromium has no H.264 encoder');
      transceiver.setCodecPreferences(
        codecs
          .map((codec, index) => ({ codec, index, rank: rank(codec) }))
          .sort((a, b) => a.rank - b.rank || a.index - b.index)
          .map(({ codec }) => codec),
      );
      await pc.setLocalDescription(await pc.createOffer());
      if (pc.iceGatheringState !== 'complete')
        await new Promise((resolve) =>
          pc.addEventListener(
            'icegatheringstatechange',
            () => pc.iceGatheringState === 'complete' && resolve(),
          ),
        );
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query:
            'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
          variables: { s: streamId, sdp: pc.localDescription.sdp },
        }),
      });
      const body = await response.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      await pc.setRemoteDescription({ type: 'answer', sdp: body.data.publishStream.sdp });
      const parameters = transceiver.sender.getParameters();
      parameters.degradationPreference = 'maintain-resolution';
      await transceiver.sender.setParameters(parameters).catch(() => undefined);
      window.publisherPc = pc;
    },
    [streamId, token, source, BITS, BLOCK],
  );
  // What is actually sent: the codec of every video outbound-rtp that has encoded frames.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const layers = await page.evaluate(async () => {
      const reports = await window.publisherPc.getStats();
      const out = [];
      reports.forEach((report) => {
        if (report.type === 'outbound-rtp' && report.kind === 'video' && report.framesEncoded > 0)
          out.push({
            rid: report.rid ?? null,
            codec: reports.get(report.codecId)?.mimeType ?? null,
            encoder: report.encoderImplementation ?? null,
            width: report.frameWidth ?? null,
            height: report.frameHeight ?? null,
          });
      });
      return out;
    });
    const expected = source === 'camera' ? 3 : 1;
    const other = layers.find((l) => l.codec && l.codec.toLowerCase() !== 'video/h264');
    if (other)
      throw new Error(
        `the publisher sends ${other.codec}, not H.264: LL-HLS packages H.264 only (VP8 is not packaged)`,
      );
    if (layers.length >= expected && layers.every((l) => l.codec))
      return { codec: layers[0].codec, encoder: layers[0].encoder, layers };
    if (Date.now() > deadline)
      throw new Error(
        `the publisher did not start sending H.264 (${layers.length}/${expected} layers): ${JSON.stringify(layers)}`,
      );
    await sleep(250);
  }
}

/** `Stream.hlsUrl` once the stream has one (LIVE with an H.264 publisher). */
export async function waitForHlsUrl(url, streamId, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stream } = await gql(url, 'query($id: ID!) { stream(id: $id) { hlsUrl } }', {
      id: streamId,
    });
    if (stream?.hlsUrl) {
      const response = await fetch(`${url}${stream.hlsUrl}`);
      if (response.ok) return stream.hlsUrl;
    }
    if (Date.now() > deadline) throw new Error(`no Stream.hlsUrl after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/**
 * Reads the painted clock back from every frame `selector` (a <video>) presents, for
 * `durationMs`, and compares it with the page's clock (publisher and viewer pages run in one
 * browser: one clock). Returns { frames, p50, p95, max }.
 */
export function measureClock(page, selector, durationMs) {
  return page.evaluate(
    async ([selector, durationMs, BITS]) => {
      const video = document.querySelector(selector);
      const canvas = document.createElement('canvas');
      const context = canvas.getContext('2d', { willReadFrequently: true });
      const samples = [];
      await new Promise((resolve) => {
        const deadline = performance.now() + durationMs;
        const onFrame = () => {
          if (video.videoWidth) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0);
            const block = canvas.width / BITS;
            let value = 0;
            for (let bit = 0; bit < BITS; bit++) {
              const [r, g, b] = context.getImageData(
                Math.floor(bit * block + block / 2),
                Math.floor(canvas.height / 2),
                1,
                1,
              ).data;
              value = ((value << 1) | (r + g + b > 382 ? 1 : 0)) >>> 0;
            }
            const latency = (Math.floor(Date.now()) % 2 ** BITS) - value;
            // A frame read wrongly gives a wild value: keep the plausible ones.
            if (latency >= 0 && latency < 30_000) samples.push(latency);
          }
          if (performance.now() < deadline) video.requestVideoFrameCallback(onFrame);
          else resolve();
        };
        video.requestVideoFrameCallback(onFrame);
      });
      samples.sort((a, b) => a - b);
      return {
        frames: samples.length,
        p50: samples[Math.floor(samples.length / 2)],
        p95: samples[Math.floor(samples.length * 0.95)],
        max: samples.at(-1),
      };
    },
    [selector, durationMs, BITS],
  );
}

/**
 * Debian's nginx as a CDN edge in front of `origin`: `proxy_cache` honouring the origin's
 * Cache-Control, keyed by the full URI (`_HLS_msn`/`_HLS_part` included), `proxy_cache_lock` so
 * that concurrent requests for one object make ONE origin request (request collapsing). The same
 * configuration as the CDN test's (apps/api/test/support/nginx-cache.ts). `workers`: nginx worker
 * processes. Returns { url, pids(), accessLog(), errorLog(), stop() }; accessLog() lines are
 * `<uri> <upstream cache status> <status> <upstream response time s> <time of the log entry, s>`.
 */
export async function startNginxCache(origin, { workers = 1 } = {}) {
  if (!existsSync(NGINX)) throw new Error(`no nginx at ${NGINX} (set NGINX_PATH)`);
  const prefix = await mkdtemp(join(tmpdir(), 'finserve-nginx-'));
  for (const dir of ['cache', 'temp', 'logs']) await mkdir(join(prefix, dir));
  // Workers may run as another user (nobody) when started as root.
  await chmod(prefix, 0o777);
  for (const dir of ['cache', 'temp', 'logs']) await chmod(join(prefix, dir), 0o777);
  const port = await freePort();
  const config = `
worker_processes ${workers};
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  log_format cache '$request_uri $upstream_cache_status $status $upstream_response_time $msec';
  client_body_temp_path ${prefix}/temp/body;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=hls:10m max_size=1g inactive=10m use_temp_path=off;
  upstream origin { server ${new URL(origin).host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location /hls/ {
      access_log ${prefix}/logs/access.log cache;
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache hls;
      proxy_cache_key $request_uri;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_read_timeout 15s;
    }
  }
}
`;
  await writeFile(join(prefix, 'nginx.conf'), config);
  const child = spawn(
    NGINX,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${url}/hls/`);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`nginx did not start: ${errors}`);
      await sleep(100);
    }
  }
  return {
    url,
    /** The master and its workers. */
    pids: () => [
      child.pid,
      ...readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === child.pid;
          } catch {
            return false;
          }
        })
        .map(Number),
    ],
    errorLog: async () =>
      (await readFile(join(prefix, 'logs', 'error.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean),
    accessLog: async () =>
      (await readFile(join(prefix, 'logs', 'access.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean),
    stop: async () => {
      child.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

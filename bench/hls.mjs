#!/usr/bin/env node
// bench:hls: LL-HLS origin under load. Starts the API (its own process, fresh embedded database),
// a Chromium publisher (the fake camera, 1280x720, as three H.264 simulcast layers q/h/f like the
// console: 180p/360p/720p, checked to be H.264), then for each N in CLIENTS (500,2000) runs N
// simulated LL-HLS players (bench/hls-clients.mjs: blocking playlist reload + the hinted part,
// as hls.js does; renditions mixed i % 3) in load processes of PER_PROCESS (500) players each,
// for SECONDS (20):
//   direct  the players ask the API;
//   cache   the players ask Debian's nginx (proxy_cache + proxy_cache_lock, a fresh cache per
//           run: what a CDN edge does), nginx asks the API.
// Prints one row per run: origin requests/s (direct: every player request; cache: nginx's cache
// misses, from its log), origin CPU (% of one core: utime+stime of the API process over the run,
// from /proc; of which media worker threads), nginx CPU, the players' results (complete/all,
// missing parts, errors, p50/p99 wait of parts and of blocking playlist requests: the median of
// the load processes' p50s and the worst of their p99s; Mbit/s), origin requests per part (cache:
// per part URI, mean and max; in brackets per blocking playlist URI), the load processes' own CPU
// (the busiest one: near 100 % means it could not keep up and the waits it reports are its own),
// the machine (busy %, load average), the publisher's frames per second per layer and each
// rendition's longest stall (its preload hint unchanged, polled from the origin every 250 ms: the
// stream itself stalling, not the serving), the machine's TCP ListenOverflows (connections
// dropped on a full accept queue) and the players that failed (fetch threw), with the causes.
//   npm run bench:hls      CLIENTS=500,2000 SECONDS=20 PER_PROCESS=500 MODES=direct,cache
//                          RENDITION=<index> pins every player to one rendition (0 = highest)
//                          NGINX_WORKERS=1 MEDIA_WORKERS (the API's default) API_LOG_LEVEL=error
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  cpuSeconds,
  createStreamer,
  launchChromium,
  publishH264,
  root,
  sleep,
  startApi,
  startNginxCache,
  waitForHlsUrl,
  workerCpuSeconds,
} from './hls-support.mjs';

const CLIENTS = (process.env.CLIENTS ?? '500,2000').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 20);
const PER_PROCESS = Number(process.env.PER_PROCESS ?? 500);
const MODES = (process.env.MODES ?? 'direct,cache').split(',');
const RENDITION = process.env.RENDITION;
const NGINX_WORKERS = Number(process.env.NGINX_WORKERS ?? 1);
const WARMUP_MSN = Number(process.env.WARMUP_MSN ?? 4);
const CLIENTS_SCRIPT = join(root, 'bench/hls-clients.mjs');

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const idle = values[3] + values[4];
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** TcpExt ListenOverflows (the whole machine): connections dropped because an accept queue was full. */
function listenOverflows() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines.find((l) => l.startsWith('TcpExt:')).split(/\s+/);
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1].split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')]);
}

/** The 1-minute load average (2 cores here: above 2, processes wait for a core). */
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** One load process; resolves with its JSON line and the CPU % it used (sampled each second). */
function loadProcess(url, clients) {
  const args = [CLIENTS_SCRIPT, url, String(clients), String(SECONDS)];
  if (RENDITION !== undefined) args.push(RENDITION);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = performance.now();
  let cpu = 0;
  const sampler = setInterval(() => {
    try {
      cpu = cpuSeconds(child.pid);
    } catch {
      // it exited
    }
  }, 500);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(sampler);
      const elapsed = (performance.now() - started) / 1000;
      const line = out.trim().split('\n').pop();
      if (code !== 0) return reject(new Error(`hls-clients exited ${code}: ${out}`));
      resolve({ result: JSON.parse(line), cpuPercent: (100 * cpu) / elapsed });
    });
  });
}

function merge(results) {
  const sum = (key) => results.reduce((a, r) => a + (r[key] ?? 0), 0);
  const statusCounts = {};
  for (const r of results)
    for (const [status, count] of Object.entries(r.statusCounts ?? {}))
      statusCounts[status] = (statusCounts[status] ?? 0) + count;
  // Percentiles of the union are not derivable from the processes' own: the worst process's.
  const worst = (key) => Math.max(...results.map((r) => r[key] ?? 0));
  const median = (key) => {
    const values = results.map((r) => r[key] ?? 0).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  return {
    clients: sum('clients'),
    clientsFailed: sum('clientsFailed'),
    firstFailure: results.find((r) => r.firstFailure)?.firstFailure ?? null,
    failureCauses: results.reduce((counts, r) => {
      for (const [cause, n] of Object.entries(r.failureCauses ?? {}))
        counts[cause] = (counts[cause] ?? 0) + n;
      return counts;
    }, {}),
    clientsComplete: sum('clientsComplete'),
    missing: sum('missing'),
    errors: sum('errors'),
    playlists: sum('playlists'),
    parts: sum('parts'),
    mbitPerSecond: sum('mbitPerSecond'),
    partP50Ms: median('partP50Ms'),
    partP99Ms: worst('partP99Ms'),
    playlistP50Ms: median('playlistP50Ms'),
    playlistP99Ms: worst('playlistP99Ms'),
    requests: Object.values(statusCounts).reduce((a, b) => a + b, 0),
    statusCounts,
  };
}

/** Frames the publisher encoded so far, per simulcast layer. */
function encodedFrames(publisher) {
  return publisher.evaluate(async () => {
    const out = {};
    (await window.publisherPc.getStats()).forEach((report) => {
      if (report.type === 'outbound-rtp' && report.kind === 'video')
        out[report.rid ?? 'main'] = report.framesEncoded ?? 0;
    });
    return out;
  });
}

async function run({ api, hlsUrl, publisher, renditionKeys }, clients, mode) {
  const cache =
    mode === 'cache' ? await startNginxCache(api.url, { workers: NGINX_WORKERS }) : null;
  try {
    const target = `${cache ? cache.url : api.url}${hlsUrl}`;
    const processes = Math.max(1, Math.ceil(clients / PER_PROCESS));
    const pid = api.server.pid;
    const nginxCpu = () => (cache ? cache.pids().reduce((a, p) => a + safeCpu(p), 0) : 0);
    const loadBefore = loadAverage();
    const overflowsBefore = listenOverflows();
    const framesBefore = await encodedFrames(publisher);
    const before = {
      at: performance.now(),
      cpu: cpuSeconds(pid),
      workers: workerCpuSeconds(pid),
      nginx: nginxCpu(),
      machine: machineTicks(),
    };
    let during;
    // The clients' run is SECONDS long (plus their last requests): sample the origin at its end.
    let framesAfter;
    const sampleEnd = sleep(SECONDS * 1000).then(async () => {
      during = {
        at: performance.now(),
        cpu: cpuSeconds(pid),
        workers: workerCpuSeconds(pid),
        nginx: nginxCpu(),
        machine: machineTicks(),
      };
      framesAfter = await encodedFrames(publisher);
    });
    // The stream during the run, straight from the origin: each rendition's longest stall (the
    // time its preload hint stayed the same, sampled every 250 ms), and the publisher's frames.
    const segmentsSeen = new Map();
    const stalls = new Map(
      renditionKeys.map((key) => [key, { hint: '', since: performance.now(), longest: 0 }]),
    );
    const watcher = setInterval(() => {
      for (const key of renditionKeys)
        fetch(`${api.url}${hlsUrl.replace('index.m3u8', '')}${key}/index.m3u8`)
          .then((r) => r.text())
          .then((text) => {
            const hint = /PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1] ?? '';
            const state = stalls.get(key);
            // Every segment seen: msn -> [duration, parts] (EXTINF and EXT-X-PART lines).
            const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
            const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(text)?.[1] ?? 0);
            let msn = sequence + skipped;
            let parts = 0;
            for (const line of text.split('\n')) {
              if (line.startsWith('#EXT-X-PART:')) parts++;
              const extinf = /^#EXTINF:([\d.]+)/.exec(line);
              if (extinf) {
                if (parts > 0)
                  segmentsSeen.set(`${key}${msn}`, `${Number(extinf[1]).toFixed(2)}s/${parts}`);
                msn++;
                parts = 0;
              }
            }
            const now = performance.now();
            if (hint !== state.hint) Object.assign(state, { hint, since: now });
            else state.longest = Math.max(state.longest, now - state.since);
          })
          .catch(() => undefined);
    }, 250);
    const shares = Array.from(
      { length: processes },
      (_, i) => Math.floor(clients / processes) + (i < clients % processes ? 1 : 0),
    );
    const outputs = await Promise.all(shares.map((n) => loadProcess(target, n)));
    await sampleEnd;
    clearInterval(watcher);
    const elapsed = (during.at - before.at) / 1000;
    const players = merge(outputs.map((o) => o.result));
    const row = {
      clients,
      mode,
      processes,
      originCpuPercent: Math.round((100 * (during.cpu - before.cpu)) / elapsed),
      workersCpuPercent: Math.round((100 * (during.workers - before.workers)) / elapsed),
      nginxCpuPercent: cache ? Math.round((100 * (during.nginx - before.nginx)) / elapsed) : null,
      loadAverage: `${loadBefore} -> ${loadAverage()}`,
      listenOverflows: listenOverflows() - overflowsBefore,
      machineBusyPercent: Math.round(
        (100 * (during.machine.busy - before.machine.busy)) /
          (during.machine.total - before.machine.total),
      ),
      publisherFps: Object.fromEntries(
        Object.entries(framesAfter).map(([rid, n]) => [
          rid,
          Math.round((n - (framesBefore[rid] ?? 0)) / elapsed),
        ]),
      ),
      longestStallMs: Object.fromEntries(
        [...stalls].map(([key, state]) => [key, Math.round(state.longest)]),
      ),
      segmentsSeen: Object.fromEntries(segmentsSeen),
      loadProcessCpuPercent: Math.round(Math.max(...outputs.map((o) => o.cpuPercent))),
      players,
    };
    if (cache) {
      const perPart = new Map();
      const perPlaylist = new Map();
      const notOk = new Map();
      const notOkSamples = [];
      let origin = 0;
      let total = 0;
      const lines = await cache.accessLog();
      for (const line of lines) {
        const [uri, status, code] = line.split(' ');
        if (uri === '/hls/') continue; // startNginxCache's probe
        total++;
        if (code !== '200') {
          // What the edge did not answer 200, by file kind and status.
          const kind = /\.m4s$/.test(uri)
            ? 'part'
            : /_HLS_msn/.test(uri)
              ? 'blocking playlist'
              : uri.split('?')[0].split('/').slice(3).join('/');
          notOk.set(`${code} ${kind}`, (notOk.get(`${code} ${kind}`) ?? 0) + 1);
          if (notOkSamples.length < 5) notOkSamples.push(line);
        }
        const fromOrigin = status !== 'HIT';
        if (fromOrigin) origin++;
        if (/\/p\d+\.\d+\.m4s$/.test(uri))
          perPart.set(uri, (perPart.get(uri) ?? 0) + (fromOrigin ? 1 : 0));
        else if (/_HLS_msn=/.test(uri))
          perPlaylist.set(uri, (perPlaylist.get(uri) ?? 0) + (fromOrigin ? 1 : 0));
      }
      const mean = (m) => [...m.values()].reduce((a, b) => a + b, 0) / Math.max(1, m.size);
      row.originRequests = origin;
      row.edgeRequests = total;
      row.parts = perPart.size;
      row.edgeNotOk = Object.fromEntries(notOk);
      const errorLog = await cache.errorLog();
      row.nginxErrors = errorLog.length;
      row.nginxErrorSamples = errorLog.slice(0, 3);
      row.edgeNotOkSamples = notOkSamples;
      // The first part the edge answered 404: when the origin answered it, and when (if ever) a
      // 200 for it reached the edge later.
      const notFoundUris = new Set();
      const okUris = new Set();
      let notFoundMiss = 0;
      let slowestNotFound = 0;
      for (const line of lines) {
        const [uri, status, code, upstreamS] = line.split(' ');
        if (!/\.m4s$/.test(uri)) continue;
        if (code === '200') okUris.add(uri);
        if (code !== '404') continue;
        notFoundUris.add(uri);
        if (status !== 'HIT') {
          notFoundMiss++;
          slowestNotFound = Math.max(slowestNotFound, Number(upstreamS) || 0);
        }
      }
      row.notFoundParts = {
        uris: notFoundUris.size,
        laterOrEarlier200: [...notFoundUris].filter((uri) => okUris.has(uri)).length,
        fromOrigin: notFoundMiss,
        slowestOriginS: slowestNotFound,
        sample: [...notFoundUris].slice(0, 8).map((uri) => uri.split('/').slice(3).join('/')),
      };
      const first404 = lines.find((l) => / 404 /.test(l) && /\.m4s /.test(l));
      if (first404) {
        const uri = first404.split(' ')[0];
        const ok = lines.find((l) => l.startsWith(`${uri} `) && / 200 /.test(l));
        row.first404Part = { line: first404, later200: ok ?? null };
      }
      row.originPerPart = { mean: mean(perPart), max: Math.max(0, ...perPart.values()) };
      row.originPerBlockingPlaylist = {
        mean: mean(perPlaylist),
        max: Math.max(0, ...perPlaylist.values()),
      };
    } else {
      row.originRequests = players.requests;
    }
    // Requests over the clients' run (they stop asking at its end).
    row.originRequestsPerSecond = Math.round(row.originRequests / SECONDS);
    return row;
  } finally {
    await cache?.stop();
  }
}

function safeCpu(pid) {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

function pad(value, width) {
  const text = String(value);
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function printTable(rows) {
  const header = [
    ['clients', 7],
    ['mode', 6],
    ['procs', 5],
    ['origin req/s', 12],
    ['origin CPU % (workers)', 22],
    ['nginx CPU %', 11],
    ['complete', 11],
    ['missing', 7],
    ['errors', 6],
    ['part p50/p99 ms', 15],
    ['playlist p50/p99 ms', 19],
    ['Mbit/s', 6],
    ['origin req/part mean/max (blocking playlist)', 44],
    ['load proc CPU %', 15],
    ['machine busy %', 14],
    ['load avg', 12],
    ['publisher fps', 16],
    ['longest stall ms', 20],
    ['listen overflows', 16],
    ['failed players (cause)', 40],
  ];
  console.log(header.map(([h, w]) => pad(h, w)).join(' | '));
  console.log(header.map(([, w]) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) {
    const p = r.players;
    const perPart = r.originPerPart
      ? `${r.originPerPart.mean.toFixed(2)}/${r.originPerPart.max} (${r.originPerBlockingPlaylist.mean.toFixed(2)}/${r.originPerBlockingPlaylist.max}), ${r.parts} parts`
      : '-';
    const cells = [
      r.clients,
      r.mode,
      r.processes,
      r.originRequestsPerSecond,
      `${r.originCpuPercent} (${r.workersCpuPercent})`,
      r.nginxCpuPercent ?? '-',
      `${p.clientsComplete}/${p.clients}`,
      p.missing,
      p.errors,
      `${p.partP50Ms}/${p.partP99Ms}`,
      `${p.playlistP50Ms}/${p.playlistP99Ms}`,
      p.mbitPerSecond,
      perPart,
      r.loadProcessCpuPercent,
      r.machineBusyPercent,
      r.loadAverage,
      Object.entries(r.publisherFps)
        .sort()
        .map(([rid, fps]) => `${rid} ${fps}`)
        .join(' '),
      Object.entries(r.longestStallMs)
        .sort()
        .map(([key, ms]) => `${key} ${ms}`)
        .join(' '),
      r.listenOverflows,
      p.clientsFailed
        ? `${p.clientsFailed} (${Object.entries(p.failureCauses)
            .map(([cause, n]) => `${cause} ${n}`)
            .join(', ')})`
        : 0,
    ];
    console.log(cells.map((c, i) => pad(c, header[i][1])).join(' | '));
  }
}

// LOG_LEVEL error: at warn the API logs every 404 with its headers, and under load players get
// many (a hinted part that never comes, parts already evicted): a flood on this output.
const api = await startApi({
  LOG_LEVEL: process.env.API_LOG_LEVEL ?? 'error',
  ...(process.env.MEDIA_WORKERS ? { MEDIA_WORKERS: process.env.MEDIA_WORKERS } : {}),
});
let browser;
try {
  const { token, streamId } = await createStreamer(api.url, 'hls bench');
  browser = await launchChromium();
  const publisher = await browser.newPage();
  await publisher.goto(`${api.url}/media.html`);
  const sent = await publishH264(publisher, { streamId, token, source: 'camera' });
  const hlsUrl = await waitForHlsUrl(api.url, streamId);
  // Every simulcast layer packaged (the SFU needs a keyframe of each).
  let multivariant = '';
  for (let i = 0; i < 80; i++) {
    multivariant = await (await fetch(`${api.url}${hlsUrl}`)).text();
    if ((multivariant.match(/#EXT-X-STREAM-INF/g) ?? []).length >= sent.layers.length) break;
    await sleep(250);
  }
  const renditions = [...multivariant.matchAll(/RESOLUTION=(\d+x\d+)/g)].map((m) => m[1]);
  // Past the stream's start: Chromium sends its top layers once its bandwidth estimate allows,
  // and their first segments wait for a keyframe (a player asking then waits seconds, or gets a
  // 404 for a hinted part that never comes). Measured from each rendition's WARMUP_MSN-th segment.
  const uris = [...multivariant.matchAll(/\n([^#\n][^\n]*\.m3u8)/g)].map((m) => m[1]);
  const renditionKeys = uris.map((uri) => uri.split('/')[0]);
  for (const uri of uris) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await (await fetch(new URL(uri, `${api.url}${hlsUrl}`))).text();
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p(\d+)\./.exec(text);
      if (hint && Number(hint[1]) >= WARMUP_MSN) break;
      if (Date.now() > deadline)
        throw new Error(`rendition ${uri} did not reach segment ${WARMUP_MSN}`);
      await sleep(500);
    }
  }
  console.log(
    `publisher: Chromium fake camera, ${sent.layers.map((l) => `${l.rid} ${l.width}x${l.height}`).join(', ')}, ${sent.codec}${sent.encoder ? ` (${sent.encoder})` : ''}; renditions ${renditions.join(' ')}; players ${RENDITION === undefined ? 'on rendition i % ' + renditions.length : 'all on rendition ' + RENDITION}, ${SECONDS} s per run, ${PER_PROCESS} players per load process; nginx ${NGINX_WORKERS} worker(s)`,
  );
  // Chromium starts its top layers low (its bandwidth estimate ramps up): until every layer is
  // encoded at >= 15 fps over 2 s (30 s at most).
  for (let i = 0; i < 15; i++) {
    const before = await encodedFrames(publisher);
    await sleep(2000);
    const after = await encodedFrames(publisher);
    const fps = Object.keys(after).map((rid) => (after[rid] - (before[rid] ?? 0)) / 2);
    if (fps.length >= sent.layers.length && fps.every((f) => f >= 15)) break;
  }
  const rows = [];
  for (const clients of CLIENTS)
    for (const mode of MODES) {
      const row = await run({ api, hlsUrl, publisher, renditionKeys }, clients, mode);
      rows.push(row);
      console.log(JSON.stringify(row));
      await sleep(2000);
    }
  console.log('');
  printTable(rows);
} finally {
  await browser?.close();
  await api.stop();
}

// A load process of simulated LL-HLS players (bench:hls, and the CDN test in .ci/run): each
// client reads the multivariant playlist, picks a rendition, then does what hls.js does in
// low-latency mode: asks for the playlist of the hinted part with a blocking reload
// (`_HLS_msn`/`_HLS_part`), fetches the parts it lists that it does not have yet, and goes on with
// the next hint. It checks that it got every part from the first it saw to the last the playlists
// listed. Prints ONE JSON line when done.
//
// Usage: node bench/hls-clients.mjs <multivariant URL> <clients> <seconds> [rendition index]
const [url, clientsArg = '100', secondsArg = '20', renditionArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: hls-clients.mjs <multivariant URL> <clients> <seconds> [rendition]');
  process.exit(2);
}
const CLIENTS = Number(clientsArg);
const SECONDS = Number(secondsArg);

const stats = {
  clients: CLIENTS,
  seconds: SECONDS,
  playlists: 0,
  parts: 0,
  partBytes: 0,
  errors: 0,
  missing: 0,
  clientsComplete: 0,
  playlistWaitMs: [],
  partWaitMs: [],
  statusCounts: {},
};

async function get(target, kind) {
  const started = performance.now();
  const response = await fetch(target);
  const body = kind === 'part' ? Buffer.from(await response.arrayBuffer()) : await response.text();
  stats.statusCounts[response.status] = (stats.statusCounts[response.status] ?? 0) + 1;
  const elapsed = performance.now() - started;
  if (kind === 'part') stats.partWaitMs.push(elapsed);
  else stats.playlistWaitMs.push(elapsed);
  return { status: response.status, body };
}

function partsOf(playlist) {
  // [msn, index, uri] of every EXT-X-PART, in order, with the media sequence numbers they belong to.
  const parts = [];
  for (const match of playlist.matchAll(/#EXT-X-PART:[^\n]*URI="p(\d+)\.(\d+)\.m4s"/g))
    parts.push([Number(match[1]), Number(match[2]), `p${match[1]}.${match[2]}.m4s`]);
  return parts;
}

function hintOf(playlist) {
  const match = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p(\d+)\.(\d+)\.m4s"/.exec(playlist);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

async function client(index, deadline, renditionUrl) {
  const base = renditionUrl.slice(0, renditionUrl.lastIndexOf('/') + 1);
  const have = new Set();
  const listed = new Set();
  let first = null;
  let response = await get(renditionUrl, 'playlist');
  stats.playlists++;
  if (response.status !== 200) throw new Error(`playlist ${response.status}`);
  // Start at the live edge, as players do: the hinted part is the first one we must get.
  let hint = hintOf(response.body);
  while (Date.now() < deadline && hint) {
    const [msn, part] = hint;
    const [playlist, hinted] = await Promise.all([
      get(`${renditionUrl}?_HLS_msn=${msn}&_HLS_part=${part}`, 'playlist'),
      get(`${base}p${msn}.${part}.m4s`, 'part'),
    ]);
    stats.playlists++;
    if (playlist.status !== 200) {
      stats.errors++;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (hinted.status === 200) {
      have.add(`p${msn}.${part}.m4s`);
      stats.parts++;
      stats.partBytes += hinted.body.length;
      first ??= [msn, part];
    }
    for (const [m, p, uri] of partsOf(playlist.body)) {
      if (!first || m < first[0] || (m === first[0] && p < first[1])) continue;
      listed.add(uri);
      if (have.has(uri)) continue;
      const fetched = await get(`${base}${uri}`, 'part');
      if (fetched.status === 200) {
        have.add(uri);
        stats.parts++;
        stats.partBytes += fetched.body.length;
      } else stats.errors++;
    }
    hint = hintOf(playlist.body);
  }
  let missing = 0;
  for (const uri of listed) if (!have.has(uri)) missing++;
  stats.missing += missing;
  if (missing === 0 && listed.size > 0) stats.clientsComplete++;
  return { index, parts: have.size, missing };
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}

const multivariant = await get(url, 'playlist');
if (multivariant.status !== 200) {
  console.log(JSON.stringify({ error: `multivariant playlist: ${multivariant.status}` }));
  process.exit(1);
}
const renditions = [...multivariant.body.matchAll(/\n([^#\n][^\n]*\.m3u8)/g)].map((m) => m[1]);
const started = Date.now();
const deadline = started + SECONDS * 1000;
const results = await Promise.allSettled(
  Array.from({ length: CLIENTS }, (_, i) => {
    const choice =
      renditionArg !== undefined ? Number(renditionArg) : i % Math.max(1, renditions.length);
    const rendition = new URL(renditions[choice % renditions.length], url).toString();
    // Players do not all start in the same millisecond.
    return new Promise((resolve) => setTimeout(resolve, (i * 1000) / CLIENTS)).then(() =>
      client(i, deadline, rendition),
    );
  }),
);
const failed = results.filter((r) => r.status === 'rejected');
console.log(
  JSON.stringify({
    clients: CLIENTS,
    seconds: SECONDS,
    renditions: renditions.length,
    clientsFailed: failed.length,
    // fetch's own message is "fetch failed": its cause says why (ECONNRESET, a timeout...).
    firstFailure: failed[0]
      ? [
          failed[0].reason?.message,
          failed[0].reason?.cause?.code ?? failed[0].reason?.cause?.message,
        ]
          .filter(Boolean)
          .join(': ')
      : null,
    failureCauses: failed.reduce((counts, f) => {
      const cause = f.reason?.cause?.code ?? f.reason?.cause?.message ?? f.reason?.message;
      counts[cause] = (counts[cause] ?? 0) + 1;
      return counts;
    }, {}),
    clientsComplete: stats.clientsComplete,
    missing: stats.missing,
    errors: stats.errors,
    playlists: stats.playlists,
    parts: stats.parts,
    mbitPerSecond: Math.round((stats.partBytes * 8) / 1e6 / SECONDS),
    playlistP50Ms: percentile(stats.playlistWaitMs, 50),
    playlistP99Ms: percentile(stats.playlistWaitMs, 99),
    partP50Ms: percentile(stats.partWaitMs, 50),
    partP99Ms: percentile(stats.partWaitMs, 99),
    statusCounts: stats.statusCounts,
  }),
);

#!/usr/bin/env node
// Glass-to-glass latency in Chromium: a publisher page paints the clock into its frames (canvas
// capture, 30 fps) and publishes it as H.264 (fails if the negotiated codec is anything else);
// a viewer page reads the clock back from every decoded frame and compares it with its own.
// Viewers, one after the other, of the same publisher:
//   webrtc  the SFU's WebRTC (playStream), as the web app's player;
//   hls     Stream.hlsUrl (LL-HLS) played by hls.js (npm, lowLatencyMode) in Media Source.
// Needs Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium).
//   npm run bench:latency      MODE=webrtc|hls|both (both), DURATION_MS=10000 per viewer,
//                              HLS_WARMUP_MS=6000 (hls.js finding the live edge before measuring)
//                              HLS_VIA_NGINX=1: one more hls.js viewer, through Debian's nginx
//                              (proxy_cache + proxy_cache_lock, as in bench:hls)
//                              MEDIA_WORKERS=1: with more, the WebRTC viewer lands on another
//                              worker (a relayed room), which answers it VP8 while the publisher
//                              sends H.264: it decodes nothing (the check below then fails).
import {
  createStreamer,
  HLS_JS,
  launchChromium,
  measureClock,
  publishH264,
  sleep,
  startApi,
  startNginxCache,
  waitForHlsUrl,
} from './hls-support.mjs';

const DURATION_MS = Number(process.env.DURATION_MS ?? 10_000);
const HLS_WARMUP_MS = Number(process.env.HLS_WARMUP_MS ?? 6000);
const MODE = process.env.MODE ?? 'both';
const HLS_VIA_NGINX = process.env.HLS_VIA_NGINX === '1';
if (!['webrtc', 'hls', 'both'].includes(MODE)) throw new Error(`MODE=${MODE}: webrtc, hls or both`);

/** An hls.js viewer (a page of the API's origin) of `src`: the clock read from its frames. */
async function hlsViewer(browser, origin, src) {
  // The API's Content-Security-Policy (script-src 'self', connect-src 'self') refuses an
  // injected script, and another origin (nginx).
  const context = await browser.newContext({ bypassCSP: true });
  try {
    const viewer = await context.newPage();
    await viewer.goto(`${origin}/media.html`);
    await viewer.addScriptTag({ path: HLS_JS });
    await viewer.evaluate((src) => {
      const video = document.createElement('video');
      video.id = 'hls';
      video.muted = true;
      video.autoplay = true;
      document.body.prepend(video);
      const hls = new Hls({ lowLatencyMode: true });
      window.hlsError = null;
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) window.hlsError = data.details ?? 'fatal';
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      window.hls = hls;
      void video.play().catch(() => undefined);
    }, src);
    // Until hls.js plays, then a little longer (it moves to its target latency).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await viewer.evaluate(() => ({
        error: window.hlsError,
        frames: document.querySelector('#hls').getVideoPlaybackQuality().totalVideoFrames,
      }));
      if (state.error) throw new Error(`hls.js: ${state.error}`);
      if (state.frames > 0) break;
      if (Date.now() > deadline) throw new Error('hls.js decoded no frame in 30 s');
      await sleep(250);
    }
    await sleep(HLS_WARMUP_MS);
    const measured = await measureClock(viewer, '#hls', DURATION_MS);
    const player = await viewer.evaluate(() => ({
      error: window.hlsError,
      latency: window.hls.latency,
      targetLatency: window.hls.targetLatency,
      codecs: window.hls.levels.map((l) => l.videoCodec),
    }));
    if (player.error) throw new Error(`hls.js: ${player.error}`);
    return { ...measured, player };
  } finally {
    await context.close();
  }
}

const { url, stop } = await startApi({ MEDIA_WORKERS: process.env.MEDIA_WORKERS ?? '1' });
let browser;
try {
  const { token, streamId } = await createStreamer(url, 'latency');
  browser = await launchChromium();
  const publisher = await browser.newPage();
  await publisher.goto(`${url}/media.html`);
  const sent = await publishH264(publisher, { streamId, token, source: 'clock' });
  const codec = `${sent.codec}${sent.encoder ? ` (${sent.encoder})` : ''}, ${sent.layers[0].width}x${sent.layers[0].height}`;
  console.log(`publisher: Chromium canvas 30 fps, sending ${codec}`);
  const results = {};

  if (MODE !== 'hls') {
    const viewer = await browser.newPage();
    await viewer.goto(`${url}/media.html`);
    await viewer.evaluate((id) => window.play(id), streamId);
    await sleep(3000);
    const received = await viewer.evaluate(() => window.videoStats());
    if (received.codec && received.codec.toLowerCase() !== 'video/h264')
      throw new Error(`the WebRTC viewer receives ${received.codec}, not H.264`);
    results.webrtc = await measureClock(viewer, 'video', DURATION_MS);
    await viewer.close();
  }

  if (MODE !== 'webrtc') {
    const hlsUrl = await waitForHlsUrl(url, streamId);
    results.hls = await hlsViewer(browser, url, `${url}${hlsUrl}`);
    if (HLS_VIA_NGINX) {
      const cache = await startNginxCache(url);
      try {
        results.hlsCache = await hlsViewer(browser, url, `${cache.url}${hlsUrl}`);
      } finally {
        await cache.stop();
      }
    }
  }

  const line = (r) => `${r.frames} frames, p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms`;
  const hlsLine = (r) =>
    `${line(r)}; hls.js latency ${r.player.latency?.toFixed(2)} s, target ${r.player.targetLatency?.toFixed(2)} s, level codecs ${r.player.codecs.join(' ')}`;
  console.log(`glass-to-glass, Chromium canvas 30 fps ${sent.codec} -> API -> Chromium, loopback:`);
  if (results.webrtc) console.log(`  WebRTC (SFU):                      ${line(results.webrtc)}`);
  if (results.hls) console.log(`  LL-HLS (hls.js, low-latency mode): ${hlsLine(results.hls)}`);
  if (results.hlsCache)
    console.log(`  LL-HLS through nginx (cache+lock):  ${hlsLine(results.hlsCache)}`);
  if (results.hls)
    console.log(
      `  LL-HLS target p50 < 3000 ms: ${results.hls.p50 < 3000 ? 'met' : 'NOT met'} (${results.hls.p50} ms)`,
    );
} finally {
  await browser?.close();
  await stop();
}

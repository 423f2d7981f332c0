#!/usr/bin/env node
// bench:relay: the in-process relay between media workers. STREAMS synthetic streams (3 simulcast
// layers at ~2.5 Mbps / 700 / 150 kbps in 1200-byte packets, plus 50 Opus packets/s) go from a
// "source" worker to a "consumer" worker as relay batches (one per event-loop turn), either
// worker to worker over a MessageChannel ("direct") or through the main thread ("via main"), for
// SECONDS each. Prints packets/s delivered, latency source -> consumer (p50/p99), the main
// thread's event-loop utilization (the API thread's share of the relay), and the codec's cost
// per packet (encode + decode, µs).
import { performance } from 'node:perf_hooks';
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from 'node:worker_threads';

import { decodeRelayBatch, encodeRelayBatch } from '../libs/api/media/src/lib/relay-feed.ts';

const STREAMS = Number(process.env.STREAMS ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 5);
const PACKET = 1200;
/** Packets per second of each layer (1200-byte packets) and of the audio. */
const RATES = { f: 260, h: 75, q: 16, audio: 50 };

const now = () => performance.timeOrigin + performance.now();

function rtp(size, sequence) {
  const bytes = new Uint8Array(size);
  bytes[0] = 0x80;
  bytes[1] = 96;
  bytes[2] = sequence >> 8;
  bytes[3] = sequence & 0xff;
  return bytes;
}

function source(port) {
  const templates = { video: rtp(PACKET, 0), audio: rtp(100, 0) };
  let queue = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = encodeRelayBatch(queue);
    queue = [];
    port.postMessage(batch, [batch.buffer]);
  };
  const send = (message) => {
    queue.push(message);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const view = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = now();
  const sent = { f: 0, h: 0, q: 0, audio: 0 };
  // Every 5 ms: the packets due by now (as the publishers' packets arrive, in bursts).
  const timer = setInterval(() => {
    const elapsed = (now() - start) / 1000;
    for (let s = 0; s < STREAMS; s++)
      for (const [layer, rate] of Object.entries(RATES)) {
        const due = Math.floor(elapsed * rate) - sent[layer] / STREAMS;
        for (let i = 0; i < due; i++) {
          const bytes = layer === 'audio' ? templates.audio : templates.video;
          view(bytes).setFloat64(12, now());
          send(
            layer === 'audio'
              ? { type: 'audio', rtp: bytes }
              : { type: 'video', layer, keyframe: false, rtp: bytes },
          );
        }
      }
    for (const layer of Object.keys(RATES))
      sent[layer] = Math.floor(elapsed * RATES[layer]) * STREAMS;
  }, 5);
  setTimeout(() => {
    clearInterval(timer);
    setTimeout(() => port.postMessage('done'), 200);
  }, SECONDS * 1000);
}

function consumer(port) {
  const latencies = [];
  let packets = 0;
  port.on('message', (batch) => {
    if (batch === 'done') {
      latencies.sort((a, b) => a - b);
      parentPort.postMessage({
        packets,
        p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
        p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      });
      return;
    }
    const at = now();
    for (const message of decodeRelayBatch(batch)) {
      packets++;
      const { rtp: bytes } = message;
      latencies.push((at - new DataView(bytes.buffer, bytes.byteOffset).getFloat64(12)) * 1000);
    }
  });
}

if (!isMainThread) {
  const { role, port } = workerData;
  if (role === 'source') source(port ?? parentPort);
  else consumer(port ?? parentPort);
} else {
  const run = async (mode) => {
    const url = new URL(import.meta.url);
    let src;
    let dst;
    if (mode === 'direct') {
      const { port1, port2 } = new MessageChannel();
      src = new Worker(url, { workerData: { role: 'source', port: port1 }, transferList: [port1] });
      dst = new Worker(url, {
        workerData: { role: 'consumer', port: port2 },
        transferList: [port2],
      });
    } else {
      src = new Worker(url, { workerData: { role: 'source' } });
      dst = new Worker(url, { workerData: { role: 'consumer' } });
      src.on('message', (batch) =>
        batch === 'done' ? dst.postMessage(batch) : dst.postMessage(batch, [batch.buffer]),
      );
    }
    const elu = performance.eventLoopUtilization();
    const result = await new Promise((resolve) => dst.once('message', resolve));
    const used = performance.eventLoopUtilization(elu);
    await Promise.all([src.terminate(), dst.terminate()]);
    console.log(
      `${mode.padEnd(8)}: ${Math.round(result.packets / SECONDS)} packets/s, latency p50 ${result.p50.toFixed(0)} µs, p99 ${result.p99.toFixed(0)} µs, main thread busy ${(used.utilization * 100).toFixed(2)} %`,
    );
  };

  // The codec alone: a turn's batch of 20 video packets, encoded then decoded.
  const batch = Array.from({ length: 20 }, (_, i) => ({
    type: 'video',
    layer: 'f',
    keyframe: false,
    rtp: rtp(PACKET, i),
  }));
  const rounds = 20_000;
  for (let i = 0; i < 2000; i++) decodeRelayBatch(encodeRelayBatch(batch));
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) decodeRelayBatch(encodeRelayBatch(batch));
  const perPacket = ((performance.now() - t0) * 1000) / (rounds * batch.length);
  const pps = STREAMS * Object.values(RATES).reduce((a, b) => a + b, 0);
  console.log(`relay codec: ${perPacket.toFixed(2)} µs per packet (encode + decode, 1200 bytes)`);
  console.log(`${STREAMS} streams, ~${pps} packets/s offered, ${SECONDS} s per mode`);
  await run('direct');
  await run('via main');
}

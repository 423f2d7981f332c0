#!/usr/bin/env node
// bench:forward: what one forwarded video packet costs the SFU's sending side, werift's own
// sender (`RTCRtpSender.sendRtp`: clone, header extensions, SRTP with a cipher per packet, a
// promise chain to the socket) against ours (`FastRtpSender`: one buffer, SRTP state kept across
// packets, straight to the socket). VIEWERS werift viewers in a separate process (their decryption
// is not counted) each get RATE 1200-byte packets/s for SECONDS, through the SFU's peer
// configuration and the SRTP profile Chromium negotiates (AES_CM_128_HMAC_SHA1_80). Prints, per
// path, the sending process's CPU per packet (µs, above its idle CPU) and the packets delivered.
// PATHS=werift or PATHS=fast runs one of them (for a profile: node --cpu-prof).
import { fork } from 'node:child_process';
import { registerHooks } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket } from 'werift';

// The media lib's TypeScript runs as is (Node strips its types); its relative imports name no
// extension, as the API's bundler wants.
registerHooks({
  resolve(specifier, context, next) {
    if (
      specifier.startsWith('.') &&
      context.parentURL?.endsWith('.ts') &&
      !/\.[cm]?[jt]s$/.test(specifier)
    )
      return next(`${specifier}.ts`, context);
    return next(specifier, context);
  },
});
const { FastRtpSender } = await import('../libs/api/media/src/lib/fast-sender.ts');
const { createPeer } = await import('../libs/api/media/src/lib/peer-config.ts');

const VIEWERS = Number(process.env.VIEWERS ?? 20);
const RATE = Number(process.env.RATE ?? 250);
const SECONDS = Number(process.env.SECONDS ?? 5);
const SIZE = 1200;

const chromiumProfile = (pc) => {
  for (const transport of pc.dtlsTransports)
    transport.srtpProfiles = [ProtectionProfileAes128CmHmacSha1_80];
};

if (process.argv[2] === 'viewers') {
  // The viewers' process: answers each offer, counts the packets each viewer gets.
  const counts = new Map();
  process.on('message', async (message) => {
    if (message.type === 'offer') {
      const pc = createPeer({ additionalHostAddresses: [] });
      counts.set(message.id, 0);
      pc.onTrack.subscribe((track) =>
        track.onReceiveRtp.subscribe(() => counts.set(message.id, counts.get(message.id) + 1)),
      );
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      chromiumProfile(pc);
      process.send({ type: 'answer', id: message.id, sdp: pc.localDescription.sdp });
    } else if (message.type === 'count') {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      for (const id of counts.keys()) counts.set(id, 0);
      process.send({ type: 'count', total });
    } else if (message.type === 'exit') process.exit(0);
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ['viewers'], {
    execArgv: ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
  });
  const waiting = new Map();
  child.on('message', (message) => waiting.get(message.type + (message.id ?? ''))?.(message));
  const ask = (message, reply) =>
    new Promise((resolve) => {
      waiting.set(reply + (message.id ?? ''), resolve);
      child.send(message);
    });

  const senders = [];
  for (let id = 0; id < VIEWERS; id++) {
    const pc = createPeer({ additionalHostAddresses: [] });
    const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    chromiumProfile(pc);
    const answer = await ask({ type: 'offer', id, sdp: pc.localDescription.sdp }, 'answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await new Promise((resolve) => {
      if (pc.connectionState === 'connected') return resolve();
      pc.connectionStateChange.subscribe((state) => state === 'connected' && resolve());
    });
    senders.push({ pc, sender: transceiver.sender, fast: new FastRtpSender(transceiver.sender) });
  }

  const payload = Buffer.alloc(SIZE - 12, 7);
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const systemCpu = () => process.cpuUsage().system;
  /** Sends RATE packets/s to every viewer for SECONDS (10 ms ticks, catching up after a late one); returns µs CPU and packets. */
  async function run(send) {
    let sequence = 0;
    let packets = 0;
    const start = performance.now();
    const before = cpu();
    const systemBefore = systemCpu();
    let sent = 0;
    while (performance.now() - start < SECONDS * 1000) {
      // As many packets as the rate asks for by now (a late timer sends a burst).
      const due = Math.floor(((performance.now() - start) / 1000) * RATE);
      for (; packets < due; packets++) {
        sequence = (sequence + 1) & 0xffff;
        const rtp = new RtpPacket(
          new RtpHeader({
            payloadType: 96,
            sequenceNumber: sequence,
            timestamp: sequence * 3000,
            ssrc: 1,
          }),
          payload,
        );
        for (const viewer of senders) send(viewer, rtp);
        sent += senders.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    return {
      cpu: cpu() - before,
      system: systemCpu() - systemBefore,
      sent,
      elapsed: performance.now() - start,
    };
  }
  const idle = async () => {
    const before = cpu();
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return (cpu() - before) / (performance.now() - start);
  };

  const idlePerMs = await idle();
  console.log(
    `${VIEWERS} viewers x ${RATE} packets/s of ${SIZE} bytes, ${SECONDS} s per path (idle CPU ${(idlePerMs / 10).toFixed(1)} %)`,
  );
  console.log('path    | packets sent | delivered | CPU (cores) | µs per packet | of which kernel');
  const paths = [
    ['werift', (viewer, rtp) => void viewer.sender.sendRtp(rtp).catch(() => undefined)],
    ['fast', (viewer, rtp) => viewer.fast.send(rtp)],
  ].filter(([name]) => !process.env.PATHS || process.env.PATHS.split(',').includes(name));
  for (const [name, send] of paths) {
    await ask({ type: 'count' }, 'count');
    const result = await run(send);
    const { total } = await ask({ type: 'count' }, 'count');
    const busy = result.cpu - idlePerMs * result.elapsed;
    console.log(
      `${name.padEnd(7)} | ${String(result.sent).padStart(12)} | ${((100 * total) / result.sent).toFixed(1).padStart(8)} % | ${(result.cpu / result.elapsed / 1000).toFixed(2).padStart(11)} | ${(busy / result.sent).toFixed(1).padStart(13)} | ${(result.system / result.sent).toFixed(1).padStart(15)}`,
    );
  }
  child.send({ type: 'exit' });
  for (const { pc } of senders) await pc.close();
  process.exit(0);
}

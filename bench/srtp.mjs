#!/usr/bin/env node
// bench:srtp: µs per packet to protect (encrypt + auth) and unprotect (auth + decrypt) a
// 1200-byte RTP packet with AES_CM_128_HMAC_SHA1_80 (what Chromium negotiates with the SFU):
// werift 0.25.2's original cipher (libs/api/media/src/testing/werift-original-ctr.cjs, a
// createCipheriv + createHmac per packet) against the patched one werift now runs
// (patches/werift+0.25.2.patch: one AES-128-ECB context per session key, precomputed HMAC
// keys). Also AEAD_AES_128_GCM (what two werift peers negotiate, unpatched) and the HMAC-SHA1
// alternatives measured to choose the patch's. Checks first that both ciphers produce the same
// bytes. PACKETS (default 100000) per figure; the best of ROUNDS (default 5) rounds.
import { createHash, createHmac, hash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RtpHeader,
  SrtpSession,
} from 'werift';

const require = createRequire(import.meta.url);
const {
  CipherAesCtr: OriginalCipherAesCtr,
} = require('../libs/api/media/src/testing/werift-original-ctr.cjs');

const PACKETS = Number(process.env.PACKETS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PAYLOAD = 1200;

const masterKey = randomBytes(16);
const masterSalt = randomBytes(14);
/** The cipher of an SRTP session's local context (SrtpSession is werift's public entry point). */
const cipherOf = (profile) =>
  new SrtpSession({
    profile,
    keys: {
      localMasterKey: masterKey,
      localMasterSalt: masterSalt,
      remoteMasterKey: masterKey,
      remoteMasterSalt: masterSalt,
    },
  }).localContext.cipher;
const c = cipherOf(ProtectionProfileAes128CmHmacSha1_80);
const original = new OriginalCipherAesCtr(
  c.srtpSessionKey,
  c.srtpSessionSalt,
  c.srtcpSessionKey,
  c.srtcpSessionSalt,
  c.srtpSessionAuthTag,
  c.srtcpSessionAuthTag,
);
const gcm = cipherOf(ProtectionProfileAeadAes128Gcm);

const header = new RtpHeader({
  payloadType: 96,
  sequenceNumber: 4321,
  timestamp: 90_000,
  ssrc: 0x1234_5678,
  marker: true,
});
const payload = randomBytes(PAYLOAD);
const roc = 0;

if (!('srtpKeystream' in c))
  throw new Error('werift runs its original cipher: npm ci (postinstall) did not apply patches/');
// Same bytes both ways before anything is timed.
const a = c.encryptRtp(header, payload, roc);
const b = original.encryptRtp(header, payload, roc);
if (!a.equals(b)) throw new Error('patched and original SRTP outputs differ');
if (!original.decryptRtp(a, roc)[0].equals(c.decryptRtp(b, roc)[0]))
  throw new Error('patched and original SRTP decryptions differ');
const rtcp = Buffer.concat([Buffer.from([0x80, 200, 0, 6]), randomBytes(24)]);
if (!c.encryptRTCP(rtcp, 77).equals(original.encryptRTCP(rtcp, 77)))
  throw new Error('patched and original SRTCP outputs differ');

function measure(run) {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PACKETS; i++) run(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / PACKETS);
  }
  return best;
}
function row(name, cipher) {
  const sealed = cipher.encryptRtp(header, payload, roc);
  const protect = measure(() => cipher.encryptRtp(header, payload, roc));
  const unprotect = measure(() => cipher.decryptRtp(sealed, roc));
  console.log(
    `${name.padEnd(44)} | ${protect.toFixed(2).padStart(12)} | ${unprotect.toFixed(2).padStart(14)}`,
  );
  return { protect, unprotect };
}

console.log(
  `${PAYLOAD}-byte RTP payload, best of ${ROUNDS} x ${PACKETS} packets, Node ${process.version}`,
);
console.log(`${'cipher'.padEnd(44)} | protect (µs) | unprotect (µs)`);
const before = row('AES_CM_128_HMAC_SHA1_80, werift original', original);
const after = row('AES_CM_128_HMAC_SHA1_80, patched', c);
row('AEAD_AES_128_GCM (werift, unpatched)', gcm);
console.log(
  `patched / original: protect ${(after.protect / before.protect).toFixed(2)}, unprotect ${(after.unprotect / before.unprotect).toFixed(2)}`,
);

// HMAC-SHA1 over the authenticated portion (12-byte header + payload + 4-byte ROC).
const key = randomBytes(20);
const message = randomBytes(12 + PAYLOAD + 4);
const ipad = Buffer.alloc(64, 0x36);
const opad = Buffer.alloc(64, 0x5c);
for (let i = 0; i < key.length; i++) {
  ipad[i] ^= key[i];
  opad[i] ^= key[i];
}
const innerState = createHash('sha1').update(ipad);
const outerState = createHash('sha1').update(opad);
const inner = Buffer.concat([ipad, Buffer.alloc(message.length)]);
const outer = Buffer.concat([opad, Buffer.alloc(20)]);
const reference = createHmac('sha1', key).update(message).digest();
const alternatives = {
  'createHmac per packet (werift)': () => createHmac('sha1', key).update(message).digest(),
  'Hash.copy() of precomputed ipad/opad states': () =>
    outerState.copy().update(innerState.copy().update(message).digest()).digest(),
  'one-shot crypto.hash over padded keys (patch)': () => {
    message.copy(inner, 64);
    hash('sha1', inner, 'buffer').copy(outer, 64);
    return hash('sha1', outer, 'buffer');
  },
};
console.log(`${'HMAC-SHA1 of a packet'.padEnd(44)} | µs`);
for (const [name, run] of Object.entries(alternatives)) {
  if (!run().equals(reference)) throw new Error(`${name}: wrong HMAC`);
  console.log(`${name.padEnd(44)} | ${measure(run).toFixed(2).padStart(5)}`);
}

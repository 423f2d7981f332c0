// The AES_CM_128_HMAC_SHA1_80 cipher werift runs in the SFU is patched (patches/werift+0.25.2.patch:
// one AES-128-ECB context per session key for the keystream, precomputed HMAC-SHA1 keys). These
// tests hold it to RFC 3711's test vectors and to werift's original implementation, byte for byte
// both ways, since every Chromium viewer negotiates this profile with the SFU.
import { createHmac, randomBytes } from 'node:crypto';

import {
  ProtectionProfileAes128CmHmacSha1_80,
  RtpHeader,
  SrtpSession,
  type Extension,
} from 'werift';

import { CipherAesCtr as OriginalCipherAesCtr } from '../testing/werift-original-ctr.cjs';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** werift's SRTP session for these master keys (local and remote alike). */
function session(masterKey: Buffer, masterSalt: Buffer): SrtpSession {
  return new SrtpSession({
    profile: ProtectionProfileAes128CmHmacSha1_80,
    keys: {
      localMasterKey: masterKey,
      localMasterSalt: masterSalt,
      remoteMasterKey: masterKey,
      remoteMasterSalt: masterSalt,
    },
  });
}

/** The patched cipher and werift's original one, on the same session keys. */
function ciphers() {
  const { localContext: c } = session(randomBytes(16), randomBytes(14));
  const original = new OriginalCipherAesCtr(
    c.srtpSessionKey,
    c.srtpSessionSalt,
    c.srtcpSessionKey,
    c.srtcpSessionSalt,
    c.srtpSessionAuthTag,
    c.srtcpSessionAuthTag,
  );
  return { patched: c.cipher, original, srtcpAuthKey: c.srtcpSessionAuthTag };
}

function header(options: Partial<ConstructorParameters<typeof RtpHeader>[0]> = {}): RtpHeader {
  return new RtpHeader({
    payloadType: 96,
    sequenceNumber: 1234,
    timestamp: 987_654,
    ssrc: 0xdead_beef,
    ...options,
  });
}

describe('SRTP AES_CM_128_HMAC_SHA1_80 (patched werift cipher)', () => {
  it('is what werift runs: npm ci applied patches/werift+0.25.2.patch', () => {
    const { patched, original } = ciphers();
    expect(patched.constructor.name).toBe('CipherAesCtr');
    // The patch's persistent keystream and HMAC state; werift's original class has neither.
    expect(Object.keys(patched)).toEqual(
      expect.arrayContaining(['srtpKeystream', 'srtcpKeystream', 'srtpAuth', 'srtcpAuth']),
    );
    expect(Object.keys(original)).not.toContain('srtpKeystream');
  });

  it('derives the session keys of RFC 3711 B.3', () => {
    const { localContext } = session(
      hex('E1F97A0D3E018BE0D64FA32C06DE4139'),
      hex('0EC675AD498AFEEBB6960B3AABE6'),
    );
    expect(localContext.srtpSessionKey.toString('hex')).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(localContext.srtpSessionSalt.toString('hex')).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(localContext.srtpSessionAuthTag.toString('hex')).toBe(
      'cebe321f6ff7716b6fd4ab49af256a156d38baa4',
    );
  });

  it('produces the AES-CM keystream of RFC 3711 B.2, up to block 0xFF01', () => {
    const { localContext: c } = session(randomBytes(16), randomBytes(14));
    const cipher = new (c.cipher.constructor as typeof OriginalCipherAesCtr)(
      hex('2B7E151628AED2A6ABF7158809CF4F3C'),
      hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
      c.srtcpSessionKey,
      c.srtcpSessionSalt,
      c.srtpSessionAuthTag,
      c.srtcpSessionAuthTag,
    );
    // SSRC 0, ROC 0, sequence number 0: the encrypted zeros are the keystream itself.
    const blocks = 0xff02;
    const sealed = cipher.encryptRtp(
      header({ ssrc: 0, sequenceNumber: 0 }),
      Buffer.alloc(blocks * 16),
      0,
    );
    const block = (n: number) => sealed.subarray(12 + n * 16, 12 + (n + 1) * 16).toString('hex');
    expect(block(0)).toBe('e03ead0935c95e80e166b16dd92b4eb4');
    expect(block(1)).toBe('d23513162b02d0f72a43a2fe4a5f97ab');
    expect(block(2)).toBe('41e95b3bb0a2e8dd477901e4fca894c0');
    expect(block(0xfeff)).toBe('ec8cdf7398607cb0f2d21675ea9ea1e4');
    expect(block(0xff00)).toBe('362b7c3c6773516318a077d7fc5073ae');
    expect(block(0xff01)).toBe('6a2cc3787889374fbeb4c81b17ba6c44');
  });

  it.each([
    ['an empty payload', 0, {}],
    ['a 1-byte payload', 1, {}],
    ['a block-sized payload', 16, {}],
    ['a 1200-byte video packet', 1200, { marker: true }],
    ['a packet past the largest earlier one (buffers grow)', 3000, {}],
    ['the last sequence number and ROC', 200, { sequenceNumber: 0xffff }],
  ] as const)(
    'protects %s byte for byte like werift and each opens the other',
    (_name, size, options) => {
      const { patched, original } = ciphers();
      for (const roc of [0, 1, 0xffff_ffff]) {
        const h = header(options);
        const payload = randomBytes(size);
        const sealed = patched.encryptRtp(h, payload, roc);
        expect(sealed.equals(original.encryptRtp(h, payload, roc))).toBe(true);
        expect(sealed.length).toBe(12 + size + 10);
        const [opened, openedHeader] = patched.decryptRtp(sealed, roc);
        expect(opened.equals(Buffer.concat([h.serialize(h.serializeSize), payload]))).toBe(true);
        expect(openedHeader.sequenceNumber).toBe(h.sequenceNumber);
        expect(original.decryptRtp(sealed, roc)[0].equals(opened)).toBe(true);
      }
    },
  );

  it('keeps header extensions in the clear and authenticated, like werift', () => {
    const { patched, original } = ciphers();
    const extensions: Extension[] = [
      { id: 1, payload: Buffer.from([0x12, 0x34]) },
      { id: 4, payload: Buffer.from('h') },
    ];
    const h = header({ extension: true, extensions });
    const payload = randomBytes(700);
    const sealed = patched.encryptRtp(h, payload, 3);
    expect(sealed.equals(original.encryptRtp(h, payload, 3))).toBe(true);
    expect(sealed.subarray(0, h.serializeSize).equals(h.serialize(h.serializeSize))).toBe(true);
    const [opened, parsed] = original.decryptRtp(sealed, 3);
    expect(opened.subarray(h.serializeSize).equals(payload)).toBe(true);
    expect(parsed.extensions.map((e) => e.id)).toEqual([1, 4]);
    expect(patched.decryptRtp(sealed, 3)[0].equals(opened)).toBe(true);
  });

  it('rejects a packet with one flipped bit, a wrong ROC or a truncated tag', () => {
    const { patched } = ciphers();
    const sealed = patched.encryptRtp(header(), randomBytes(300), 0);
    const flipped = Buffer.from(sealed);
    flipped[100] ^= 0x01;
    expect(() => patched.decryptRtp(flipped, 0)).toThrow('Failed to authenticate SRTP packet');
    expect(() => patched.decryptRtp(sealed, 1)).toThrow('Failed to authenticate SRTP packet');
    expect(() => patched.decryptRtp(sealed.subarray(0, sealed.length - 1), 0)).toThrow(
      'Failed to authenticate SRTP packet',
    );
  });

  it('protects SRTCP byte for byte like werift and each opens the other', () => {
    const { patched, original } = ciphers();
    // A sender report (28 bytes) and a larger compound-sized packet.
    for (const size of [28, 8 + 4 * 60]) {
      const rtcp = Buffer.concat([
        Buffer.from([0x80, 200, 0, size / 4 - 1]),
        randomBytes(size - 4),
      ]);
      for (const index of [1, 0x1_0000, 0x7fff_ffff]) {
        const sealed = patched.encryptRTCP(rtcp, index);
        expect(sealed.equals(original.encryptRTCP(rtcp, index))).toBe(true);
        expect(sealed.length).toBe(size + 4 + 10);
        expect(patched.decryptRTCP(sealed)[0].equals(rtcp)).toBe(true);
        expect(original.decryptRTCP(sealed)[0].equals(rtcp)).toBe(true);
        const flipped = Buffer.from(sealed);
        flipped[10] ^= 0x80;
        expect(() => patched.decryptRTCP(flipped)).toThrow('Failed to authenticate SRTCP packet');
      }
    }
  });

  it('opens an SRTCP packet sent unencrypted (E flag clear) like werift', () => {
    const { patched, original, srtcpAuthKey } = ciphers();
    const rtcp = Buffer.concat([Buffer.from([0x81, 201, 0, 7]), randomBytes(28)]);
    const authenticated = Buffer.concat([rtcp, Buffer.from([0, 0, 0, 5])]); // E = 0, index 5
    const tag = createHmac('sha1', srtcpAuthKey).update(authenticated).digest().subarray(0, 10);
    const packet = Buffer.concat([authenticated, tag]);
    expect(patched.decryptRTCP(packet)[0].equals(rtcp)).toBe(true);
    expect(original.decryptRTCP(packet)[0].equals(rtcp)).toBe(true);
  });

  it('carries packets across a sequence number wrap through werift SRTP sessions', () => {
    const masterKey = randomBytes(16);
    const masterSalt = randomBytes(14);
    const sender = session(masterKey, masterSalt);
    const receiver = session(masterKey, masterSalt);
    for (let i = 0; i < 6; i++) {
      const h = header({ sequenceNumber: (0xfffd + i) & 0xffff });
      const payload = randomBytes(100 + i);
      const sealed = sender.encrypt(payload, h);
      const opened = receiver.decrypt(sealed);
      expect(opened.subarray(12).equals(payload)).toBe(true);
    }
    expect(receiver.remoteContext.srtpSSRCStates[0xdead_beef]?.rolloverCounter).toBe(1);
  });
});

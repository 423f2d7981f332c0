import { randomBytes } from 'node:crypto';

import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';

import { SRTP_AUTH_TAG_LENGTH, SRTP_HEADROOM, SrtpAesCmProtector } from './srtp-protect';

/** werift's SRTP context for a fresh random master key and salt (its session keys derived). */
function weriftContext() {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  return new SrtpSession({
    keys: {
      localMasterKey: key,
      localMasterSalt: salt,
      remoteMasterKey: key,
      remoteMasterSalt: salt,
    },
    profile: ProtectionProfileAes128CmHmacSha1_80,
  }).localContext;
}

/** The packet laid out as `protect` wants it: headroom, header, payload, room for the tag. */
function layout(header: Buffer, payload: Buffer): Buffer {
  const packet = Buffer.alloc(
    SRTP_HEADROOM + header.length + payload.length + SRTP_AUTH_TAG_LENGTH,
  );
  header.copy(packet, SRTP_HEADROOM);
  payload.copy(packet, SRTP_HEADROOM + header.length);
  return packet;
}

function protect(
  protector: SrtpAesCmProtector,
  header: RtpHeader,
  payload: Buffer,
  roc: number,
): Buffer {
  const headerBytes = header.serialize(header.serializeSize);
  const packet = layout(headerBytes, payload);
  const length = headerBytes.length + payload.length;
  protector.protect(packet, headerBytes.length, length, header.ssrc, header.sequenceNumber, roc);
  return packet.subarray(SRTP_HEADROOM, SRTP_HEADROOM + length + SRTP_AUTH_TAG_LENGTH);
}

describe('SRTP AES_CM_128_HMAC_SHA1_80 protection', () => {
  it('produces the keystream of RFC 3711 appendix B.2', () => {
    const key = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');
    const salt = Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD', 'hex');
    const protector = new SrtpAesCmProtector(key, salt, randomBytes(20));
    // SSRC 0, sequence number 0, ROC 0: the payload, all zero bytes, becomes the keystream.
    const header = Buffer.alloc(12);
    const packet = layout(header, Buffer.alloc(48));
    protector.protect(packet, 12, 60, 0, 0, 0);
    expect(packet.subarray(SRTP_HEADROOM + 12, SRTP_HEADROOM + 60).toString('hex')).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4' +
        'd23513162b02d0f72a43a2fe4a5f97ab' +
        '41e95b3bb0a2e8dd477901e4fca894c0',
    );
  });

  it("matches werift's own protection byte for byte (sizes, SSRCs, rollover counters, extensions)", () => {
    const context = weriftContext();
    const protector = new SrtpAesCmProtector(
      context.srtpSessionKey,
      context.srtpSessionSalt,
      context.srtpSessionAuthTag,
    );
    const cases = [0, 1, 15, 16, 17, 100, 1183, 1184, 1200, 1400, 4000];
    for (const [i, size] of cases.entries()) {
      for (const roc of [0, 1, 0x1234, 0xffffffff]) {
        const header = new RtpHeader({
          payloadType: 96,
          sequenceNumber: (i * 7919 + roc) & 0xffff,
          timestamp: 0xfffffff0 + i,
          ssrc: (0x9abcdef0 + i * 104729) >>> 0,
          marker: i % 2 === 0,
          extensions:
            i % 3 === 0
              ? []
              : [
                  { id: 1, payload: Buffer.from('0') },
                  { id: 3, payload: Buffer.from([0x12, 0x34]) },
                ],
        });
        const payload = randomBytes(size);
        const expected = context.cipher.encryptRtp(header, payload, roc);
        const actual = protect(protector, header, payload, roc);
        expect(actual.toString('hex')).toBe(expected.toString('hex'));
      }
    }
  });

  it('keeps no state from one packet to the next (a packet protects the same alone or after others)', () => {
    const context = weriftContext();
    const fresh = () =>
      new SrtpAesCmProtector(
        context.srtpSessionKey,
        context.srtpSessionSalt,
        context.srtpSessionAuthTag,
      );
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: 42, ssrc: 7 });
    const payload = randomBytes(1000);
    const used = fresh();
    protect(
      used,
      new RtpHeader({ payloadType: 96, sequenceNumber: 1, ssrc: 9 }),
      randomBytes(3000),
      5,
    );
    expect(protect(used, header, payload, 0).equals(protect(fresh(), header, payload, 0))).toBe(
      true,
    );
  });
});

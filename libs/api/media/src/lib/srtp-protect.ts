import { createCipheriv, hash, type Cipheriv } from 'node:crypto';
import { endianness } from 'node:os';

/** Bytes an SRTP packet built for `SrtpAesCmProtector.protect` keeps free before the RTP packet. */
export const SRTP_HEADROOM = 64;
/** The authentication tag of AES_CM_128_HMAC_SHA1_80: the first 10 bytes of the HMAC-SHA1. */
export const SRTP_AUTH_TAG_LENGTH = 10;
const SHA1_BLOCK = 64;
const SHA1_LENGTH = 20;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * SRTP protection of RTP packets with AES_CM_128_HMAC_SHA1_80 (RFC 3711), the profile Chromium
 * negotiates with the SFU, with state kept across packets:
 *
 * - the AES counter-mode keystream comes from one AES-128-ECB context made once per session,
 *   fed with the packet's counter blocks (werift makes a new `aes-128-ctr` cipher per packet:
 *   about 12 µs of a 1200-byte packet's 22);
 * - HMAC-SHA1 is computed as SHA1(opad-key ‖ SHA1(ipad-key ‖ packet ‖ ROC)) with two one-shot
 *   hashes, the padded keys computed once, the inner input laid out in the packet's own buffer
 *   (`SRTP_HEADROOM` bytes before it hold the ipad key; the ROC goes where the tag will be).
 *
 * It protects in place in a buffer laid out by the caller, with no copy of the packet. Only the
 * outgoing (protect) direction: werift keeps unprotecting and SRTCP.
 */
export class SrtpAesCmProtector {
  private readonly ecb: Cipheriv;
  private readonly innerKey: Buffer;
  /** The opad key followed by room for the inner digest: the outer hash's whole input. */
  private readonly outer: Buffer;
  private counters = new Uint8Array(16 * 80);
  private counterWords = new Uint32Array(this.counters.buffer);
  private readonly block = new Uint8Array(16);
  private readonly blockWords = new Uint32Array(this.block.buffer);

  /**
   * @param sessionKey the 16-byte SRTP session encryption key
   * @param sessionSalt the 14-byte SRTP session salt
   * @param authKey the 20-byte SRTP session authentication key
   */
  private readonly sessionSalt: Buffer;

  constructor(sessionKey: Buffer, sessionSalt: Buffer, authKey: Buffer) {
    if (sessionKey.length !== 16 || sessionSalt.length < 14 || authKey.length > SHA1_BLOCK)
      throw new Error('SRTP AES_CM_128_HMAC_SHA1_80: bad session key, salt or auth key length');
    this.sessionSalt = sessionSalt;
    this.ecb = createCipheriv('aes-128-ecb', sessionKey, null);
    this.ecb.setAutoPadding(false);
    this.innerKey = Buffer.alloc(SHA1_BLOCK, 0x36);
    this.outer = Buffer.alloc(SHA1_BLOCK + SHA1_LENGTH, 0);
    this.outer.fill(0x5c, 0, SHA1_BLOCK);
    for (let i = 0; i < authKey.length; i++) {
      this.innerKey[i] ^= authKey[i];
      this.outer[i] ^= authKey[i];
    }
  }

  /**
   * Protects the RTP packet at `packet[SRTP_HEADROOM, SRTP_HEADROOM + length)` in place: encrypts
   * its payload (after `headerLength`) and writes the tag right after it, so the SRTP packet is
   * `packet.subarray(SRTP_HEADROOM, SRTP_HEADROOM + length + SRTP_AUTH_TAG_LENGTH)`. `packet`
   * must be at least that long; its headroom is overwritten.
   */
  protect(
    packet: Buffer,
    headerLength: number,
    length: number,
    ssrc: number,
    sequenceNumber: number,
    rolloverCounter: number,
  ): void {
    const start = SRTP_HEADROOM;
    const payloadLength = length - headerLength;
    if (payloadLength > 0) {
      const keystream = this.keystream(payloadLength, ssrc, sequenceNumber, rolloverCounter);
      const from = start + headerLength;
      for (let i = 0; i < payloadLength; i++) packet[from + i] ^= keystream[i];
    }
    // HMAC-SHA1 over the packet and the ROC (RFC 3711 §4.2), truncated to 80 bits.
    this.innerKey.copy(packet, 0);
    packet.writeUInt32BE(rolloverCounter >>> 0, start + length);
    const inner = hash('sha1', packet.subarray(0, start + length + 4), 'buffer');
    inner.copy(this.outer, SHA1_BLOCK);
    const tag = hash('sha1', this.outer, 'buffer');
    tag.copy(packet, start + length, 0, SRTP_AUTH_TAG_LENGTH);
  }

  /**
   * The counter-mode keystream for one packet: AES(IV + j) for its blocks j, where IV is the
   * session salt XOR the SSRC (bytes 4..7) XOR the packet index ROC ‖ SEQ (bytes 8..13).
   */
  private keystream(length: number, ssrc: number, sequenceNumber: number, roc: number): Buffer {
    const blocks = Math.ceil(length / 16);
    if (blocks * 16 > this.counters.length) {
      this.counters = new Uint8Array(blocks * 16);
      this.counterWords = new Uint32Array(this.counters.buffer);
    }
    const iv = this.block;
    const salt = this.sessionSalt;
    iv[0] = salt[0];
    iv[1] = salt[1];
    iv[2] = salt[2];
    iv[3] = salt[3];
    iv[4] = salt[4] ^ (ssrc >>> 24);
    iv[5] = salt[5] ^ ((ssrc >>> 16) & 0xff);
    iv[6] = salt[6] ^ ((ssrc >>> 8) & 0xff);
    iv[7] = salt[7] ^ (ssrc & 0xff);
    iv[8] = salt[8] ^ (roc >>> 24);
    iv[9] = salt[9] ^ ((roc >>> 16) & 0xff);
    iv[10] = salt[10] ^ ((roc >>> 8) & 0xff);
    iv[11] = salt[11] ^ (roc & 0xff);
    iv[12] = salt[12] ^ (sequenceNumber >>> 8);
    iv[13] = salt[13] ^ (sequenceNumber & 0xff);
    iv[14] = 0;
    iv[15] = 0;
    if (LITTLE_ENDIAN) {
      const [w0, w1, w2, w3] = this.blockWords;
      const words = this.counterWords;
      for (let j = 0, k = 0; j < blocks; j++, k += 4) {
        words[k] = w0;
        words[k + 1] = w1;
        words[k + 2] = w2;
        // Bytes 14..15 of the block, big-endian j, are the high half of the little-endian word.
        words[k + 3] = w3 | ((j >>> 8) << 16) | ((j & 0xff) << 24);
      }
    } else {
      const counters = this.counters;
      for (let j = 0; j < blocks; j++) {
        counters.set(iv, j * 16);
        counters[j * 16 + 14] = j >>> 8;
        counters[j * 16 + 15] = j & 0xff;
      }
    }
    return this.ecb.update(this.counters.subarray(0, blocks * 16));
  }
}

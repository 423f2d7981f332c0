import type { RtpHeader } from 'werift';

/** werift 0.25.2's original AES_CM_128_HMAC_SHA1_80 cipher (see werift-original-ctr.cjs). */
export declare class CipherAesCtr {
  constructor(
    srtpSessionKey: Buffer,
    srtpSessionSalt: Buffer,
    srtcpSessionKey: Buffer,
    srtcpSessionSalt: Buffer,
    srtpSessionAuthTag: Buffer,
    srtcpSessionAuthTag: Buffer,
  );
  encryptRtp(header: RtpHeader, payload: Buffer, rolloverCounter: number): Buffer;
  decryptRtp(cipherText: Buffer, rolloverCounter: number, header?: RtpHeader): [Buffer, RtpHeader];
  encryptRTCP(rtcpPacket: Buffer, srtcpIndex: number): Buffer;
  decryptRTCP(encrypted: Buffer): [Buffer, unknown];
}

import { decode, encode } from 'jpeg-js';

/** Frame sizes a thumbnail may have (the studio sends at most 480x270; 1080p leaves room). */
export const THUMBNAIL_MIN_SIDE = 16;
export const THUMBNAIL_MAX_WIDTH = 1920;
export const THUMBNAIL_MAX_HEIGHT = 1080;
/** Quality of the re-encoded JPEG that is stored and served. */
export const THUMBNAIL_QUALITY = 80;
/** Decoder limits, checked from the frame header before any pixel buffer is allocated. */
const MAX_MEGAPIXELS = (THUMBNAIL_MAX_WIDTH * THUMBNAIL_MAX_HEIGHT) / 1_000_000;
const MAX_DECODER_MEMORY_MB = 64;

export type ThumbnailImage =
  | { ok: true; jpeg: Buffer; width: number; height: number }
  | { ok: false; status: 400 | 415; reason: string };

/**
 * What a thumbnail upload is allowed to be: a JPEG that decodes (415 otherwise) to
 * 16..1920 x 16..1080 pixels (400 otherwise). Only its pixels are kept: the result is a fresh
 * JPEG encoded from them, so comments, EXIF, trailing bytes or an HTML/script payload of a
 * polyglot file are never stored or served.
 */
export function normalizeThumbnail(bytes: Uint8Array): ThumbnailImage {
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff)
    return { ok: false, status: 415, reason: 'A thumbnail must be a JPEG (image/jpeg)' };
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: MAX_MEGAPIXELS,
      maxMemoryUsageInMB: MAX_DECODER_MEMORY_MB,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : '';
    // jpeg-js names its limits in the message; anything else is not a JPEG it can decode.
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(reason))
      return {
        ok: false,
        status: 400,
        reason: `A thumbnail is at most ${THUMBNAIL_MAX_WIDTH}x${THUMBNAIL_MAX_HEIGHT} pixels`,
      };
    return { ok: false, status: 415, reason: 'A thumbnail must be a decodable JPEG image' };
  }
  const { width, height } = image;
  if (
    width < THUMBNAIL_MIN_SIDE ||
    height < THUMBNAIL_MIN_SIDE ||
    width > THUMBNAIL_MAX_WIDTH ||
    height > THUMBNAIL_MAX_HEIGHT ||
    image.data.length !== width * height * 4
  )
    return {
      ok: false,
      status: 400,
      reason: `A thumbnail is ${THUMBNAIL_MIN_SIDE}..${THUMBNAIL_MAX_WIDTH} x ${THUMBNAIL_MIN_SIDE}..${THUMBNAIL_MAX_HEIGHT} pixels`,
    };
  const jpeg = encode({ width, height, data: image.data }, THUMBNAIL_QUALITY).data;
  return { ok: true, jpeg, width, height };
}

/**
 * The relay feed: what carries one stream from its source room (the worker holding the publisher)
 * to the rooms relaying it (other workers of the node, or other nodes). Down, a batch of messages
 * is encoded into ONE byte buffer, so it is a single transferable per postMessage between workers
 * and goes unchanged over a socket between nodes. Up, a consumer asks the source for keyframes.
 *
 * Batch layout: version byte, then records `tag (u8) | length (u32 BE) | body`:
 * - meta (1), layerStats (4): UTF-8 JSON (rare: once per publisher, once a second);
 * - video (2): `flags (u8, bit 0 keyframe) | key length (u8) | key (UTF-8) | RTP packet`;
 * - audio (3): the RTP packet;
 * - publisher (5): one byte (0 connected, 1 restarted, 2 gone).
 */

/** A negotiated codec of the publisher's (what viewers' answers are narrowed to). */
export interface RelayCodec {
  mimeType: string;
  clockRate: number;
  payloadType: number;
  channels?: number;
  /** The fmtp parameters (H.264 profile, packetization mode...). */
  parameters?: string;
}

export interface RelayLayer {
  key: string;
  rid: string | null;
}

export interface RelayLayerStats {
  key: string;
  width: number;
  height: number;
  fps: number;
  kbps: number;
  active: boolean;
}

export type RelayPublisherState = 'connected' | 'restarted' | 'gone';

export type RelayDown =
  | { type: 'meta'; video?: RelayCodec; audio?: RelayCodec; layers: RelayLayer[] }
  /** One RTP packet of a video layer, as forwarded (without the publisher's header extensions). */
  | { type: 'video'; layer: string; keyframe: boolean; rtp: Uint8Array }
  | { type: 'audio'; rtp: Uint8Array }
  | { type: 'layerStats'; layers: RelayLayerStats[] }
  | { type: 'publisher'; state: RelayPublisherState };

/** Up the feed: a keyframe of one layer, or of every layer (layer undefined). */
export interface RelayUp {
  type: 'keyframe';
  layer?: string;
}

const VERSION = 1;
const TAG = { meta: 1, video: 2, audio: 3, layerStats: 4, publisher: 5, keyframe: 16 } as const;
const PUBLISHER_STATES: RelayPublisherState[] = ['connected', 'restarted', 'gone'];
const RECORD_HEADER = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RelayFeedError extends Error {}

/** Layer keys are few ('q', 'h', 'f', 'main'...): their bytes are encoded once. */
const keyBytes = new Map<string, Uint8Array>();
function layerKeyBytes(key: string): Uint8Array {
  let bytes = keyBytes.get(key);
  if (!bytes) {
    bytes = encoder.encode(key);
    if (keyBytes.size < 64) keyBytes.set(key, bytes);
  }
  return bytes;
}

/** Encodes messages into one buffer (its own ArrayBuffer, exactly sized: transferable). */
export function encodeRelayBatch(messages: readonly RelayDown[]): Uint8Array {
  const bodies: (Uint8Array | undefined)[] = [];
  let size = 1;
  for (const message of messages) {
    let body: Uint8Array | undefined;
    let length: number;
    switch (message.type) {
      case 'meta':
        body = encoder.encode(
          JSON.stringify({ video: message.video, audio: message.audio, layers: message.layers }),
        );
        length = body.length;
        break;
      case 'layerStats':
        body = encoder.encode(JSON.stringify(message.layers));
        length = body.length;
        break;
      case 'video':
        body = layerKeyBytes(message.layer);
        if (body.length > 255) throw new RelayFeedError('layer key longer than 255 bytes');
        length = 2 + body.length + message.rtp.length;
        break;
      case 'audio':
        length = message.rtp.length;
        break;
      case 'publisher':
        length = 1;
        break;
    }
    bodies.push(body);
    size += RECORD_HEADER + length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  let at = 1;
  messages.forEach((message, i) => {
    const body = bodies[i];
    out[at] = TAG[message.type];
    const lengthAt = at + 1;
    at += RECORD_HEADER;
    const start = at;
    switch (message.type) {
      case 'meta':
      case 'layerStats':
        out.set(body as Uint8Array, at);
        at += (body as Uint8Array).length;
        break;
      case 'video': {
        const key = body as Uint8Array;
        out[at++] = message.keyframe ? 1 : 0;
        out[at++] = key.length;
        out.set(key, at);
        at += key.length;
        out.set(message.rtp, at);
        at += message.rtp.length;
        break;
      }
      case 'audio':
        out.set(message.rtp, at);
        at += message.rtp.length;
        break;
      case 'publisher':
        out[at++] = PUBLISHER_STATES.indexOf(message.state);
        break;
    }
    view.setUint32(lengthAt, at - start);
  });
  return out;
}

/**
 * Decodes a batch. The RTP bytes of video and audio messages are views into `bytes` (no copy);
 * a malformed batch throws RelayFeedError.
 */
export function decodeRelayBatch(bytes: Uint8Array): RelayDown[] {
  if (bytes.length < 1 || bytes[0] !== VERSION)
    throw new RelayFeedError(`not a relay batch (version ${bytes[0] ?? 'none'})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: RelayDown[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (at + RECORD_HEADER > bytes.length) throw new RelayFeedError('truncated record header');
    const tag = bytes[at];
    const length = view.getUint32(at + 1);
    const start = at + RECORD_HEADER;
    const end = start + length;
    if (end > bytes.length) throw new RelayFeedError('truncated record');
    const body = bytes.subarray(start, end);
    messages.push(decodeRecord(tag, body));
    at = end;
  }
  return messages;
}

function decodeRecord(tag: number, body: Uint8Array): RelayDown {
  switch (tag) {
    case TAG.meta: {
      const meta = parseJson(body) as Omit<Extract<RelayDown, { type: 'meta' }>, 'type'>;
      return { type: 'meta', video: meta.video, audio: meta.audio, layers: meta.layers ?? [] };
    }
    case TAG.layerStats:
      return { type: 'layerStats', layers: parseJson(body) as RelayLayerStats[] };
    case TAG.video: {
      if (body.length < 2 || 2 + body[1] > body.length)
        throw new RelayFeedError('truncated video record');
      const keyLength = body[1];
      return {
        type: 'video',
        keyframe: (body[0] & 1) === 1,
        layer: decoder.decode(body.subarray(2, 2 + keyLength)),
        rtp: body.subarray(2 + keyLength),
      };
    }
    case TAG.audio:
      return { type: 'audio', rtp: body };
    case TAG.publisher: {
      const state = PUBLISHER_STATES[body[0]];
      if (body.length !== 1 || !state) throw new RelayFeedError('bad publisher record');
      return { type: 'publisher', state };
    }
    default:
      throw new RelayFeedError(`unknown relay record ${tag}`);
  }
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    throw new RelayFeedError('bad JSON record');
  }
}

/** Encodes an up message (a keyframe request; no layer: every layer). */
export function encodeRelayUp(message: RelayUp): Uint8Array {
  const key = encoder.encode(message.layer ?? '');
  if (key.length > 255) throw new RelayFeedError('layer key longer than 255 bytes');
  const out = new Uint8Array(3 + key.length);
  out[0] = VERSION;
  out[1] = TAG.keyframe;
  out[2] = key.length;
  out.set(key, 3);
  return out;
}

export function decodeRelayUp(bytes: Uint8Array): RelayUp {
  if (bytes.length < 3 || bytes[0] !== VERSION || bytes[1] !== TAG.keyframe)
    throw new RelayFeedError('not a relay up message');
  const length = bytes[2];
  if (3 + length !== bytes.length) throw new RelayFeedError('truncated up message');
  const layer = decoder.decode(bytes.subarray(3));
  return layer ? { type: 'keyframe', layer } : { type: 'keyframe' };
}

/** The last meta message of a batch, if any (for a consumer that joins later). */
export function lastRelayMeta(
  messages: readonly RelayDown[],
): Extract<RelayDown, { type: 'meta' }> | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.type === 'meta') return message;
  }
  return undefined;
}

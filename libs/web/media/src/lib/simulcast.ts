/** What the streamer sends: a camera, or a shared screen (charts, order books, text). */
export type VideoContent = 'camera' | 'screen';

/**
 * The rid of each simulcast layer, low to high (the order Chrome expects in `sendEncodings`):
 * `q` quarter resolution (LOW), `h` half (MEDIUM), `f` full (HIGH). The SFU maps them to
 * `VideoQuality` the same way.
 */
export const SIMULCAST_RIDS = ['q', 'h', 'f'] as const;
export type SimulcastRid = (typeof SIMULCAST_RIDS)[number];

/** The contract's quality of each rid. */
export const QUALITY_OF_RID: Record<SimulcastRid, 'LOW' | 'MEDIUM' | 'HIGH'> = {
  q: 'LOW',
  h: 'MEDIUM',
  f: 'HIGH',
};

/**
 * The three layers the publisher sends (pure: unit-tested). Any codec the browser and the SFU
 * agree on (VP8, H.264): nothing here names one.
 *
 * Camera (captured at 720p): 180p / 360p / 720p at 150 kbps / 600 kbps / 2.5 Mbps, 30 fps.
 *
 * Screen: the top layer keeps the source's full resolution, so a 1080p screen reaches viewers
 * at 1080p with its text readable; 4 Mbps because text edges cost more bits than a face, and
 * the encoder, told to keep the resolution (`maintain-resolution`, set by `publish`), spends
 * them on sharpness and lets the frame rate fall instead. MEDIUM (half, 1 Mbps) is still
 * legible for large chart labels on a phone; LOW (quarter, 300 kbps) is for bad links: the
 * picture's shape, not its numbers. 30 fps at most in every layer: a screen rarely moves more.
 */
export function simulcastEncodings(content: VideoContent): RTCRtpEncodingParameters[] {
  const bitrates =
    content === 'screen' ? [300_000, 1_000_000, 4_000_000] : [150_000, 600_000, 2_500_000];
  const scales = [4, 2, 1];
  return SIMULCAST_RIDS.map((rid, i) => ({
    rid,
    active: true,
    scaleResolutionDownBy: scales[i] ?? 1,
    maxBitrate: bitrates[i] ?? 0,
    maxFramerate: 30,
  }));
}

/**
 * The offer of a viewer, changed so that every Opus payload asks for stereo (`stereo=1` in its
 * fmtp) (pure: unit-tested). Chromium decodes Opus in mono unless its own description says
 * stereo, even when the SFU sends a stereo stream (a shared tab's music, a mixed screen share).
 * An Opus payload without an fmtp line gets one.
 */
export function withStereoOpus(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const opus = new Set(
    lines
      .map((line) => /^a=rtpmap:(\d+) opus\/48000(?:\/2)?$/i.exec(line)?.[1])
      .filter((pt): pt is string => !!pt),
  );
  if (opus.size === 0) return sdp;
  const withFmtp = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp?.[1] && opus.has(fmtp[1])) {
      withFmtp.add(fmtp[1]);
      const params = (fmtp[2] ?? '').split(';').filter((param) => !/^\s*stereo=/.test(param));
      out.push(`a=fmtp:${fmtp[1]} ${[...params, 'stereo=1'].join(';')}`);
      continue;
    }
    out.push(line);
  }
  // Opus payloads that had no fmtp line: add one right after their rtpmap.
  return out
    .flatMap((line) => {
      const pt = /^a=rtpmap:(\d+) opus\//i.exec(line)?.[1];
      return pt && opus.has(pt) && !withFmtp.has(pt) ? [line, `a=fmtp:${pt} stereo=1`] : [line];
    })
    .join(eol);
}

/** A codec as `RTCRtpSender.getCapabilities` lists it (the fields ordering looks at). */
export interface CodecCapability {
  mimeType: string;
  sdpFmtpLine?: string;
}

/**
 * The publisher's video codecs in the order it offers them (pure: unit-tested): H.264 first, the
 * constrained-baseline, packetization-mode 1 profile at the head (what every browser decodes, and
 * what the server packages for low-latency HLS: VP8 cannot go into the fMP4 browsers play), then
 * the rest as the browser listed them (VP8 stays as the fallback). Unchanged without H.264.
 */
export function preferH264<C extends CodecCapability>(codecs: readonly C[]): C[] {
  const rank = (codec: C): number => {
    if (codec.mimeType.toLowerCase() !== 'video/h264') return 3;
    const fmtp = codec.sdpFmtpLine ?? '';
    if (!/packetization-mode=1/.test(fmtp)) return 2;
    return /profile-level-id=42e0/i.test(fmtp) ? 0 : 1;
  };
  return codecs
    .map((codec, index) => ({ codec, index, rank: rank(codec) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ codec }) => codec);
}

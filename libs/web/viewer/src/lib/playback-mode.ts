/**
 * How the live player plays (pure: unit-tested): WebRTC (the SFU, well under a second behind) by
 * default, or the stream's low-latency HLS ("stable", a few seconds behind, any HTTP cache can
 * carry it) when the viewer picks it or when WebRTC cannot connect.
 */

/** How a page plays HLS: hls.js on MediaSource, or the browser's own player (iPhone Safari). */
export type HlsEngine = 'hlsjs' | 'native';

/** What the browser offers for HLS. */
export interface HlsSupport {
  /** MediaSource exists (hls.js can play). */
  mediaSource: boolean;
  /** `video.canPlayType('application/vnd.apple.mpegurl')` is not empty. */
  nativeHls: boolean;
}

/**
 * hls.js wherever MediaSource exists, else the browser's own HLS player, else none. Not the
 * browser's player first: desktop Chrome answers "maybe" to the HLS type (Chromium 156 does) but
 * plays neither low-latency parts nor Opus in fMP4; iPhones have no MediaSource, so Safari on
 * iOS plays natively.
 */
export function hlsEngineOf(support: HlsSupport): HlsEngine | null {
  if (support.mediaSource) return 'hlsjs';
  return support.nativeHls ? 'native' : null;
}

/** Why a WebRTC attempt gave no picture. */
export type WebRtcFailure =
  /** playStream refused (RATE_LIMITED): every media node is full, or too many sessions. */
  | 'full'
  /** Answered, but the connection never came up within CONNECT_TIMEOUT_MS (or failed first). */
  | 'unreachable'
  /** Was connected, then lost (a node died, the network dropped): reconnecting is the cure. */
  | 'lost'
  /** Anything else (the server unreachable, an unexpected error). */
  | 'error';

/** How long a WebRTC session may take to connect once the server answered. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Failed reconnections in a row (full or unreachable) before a viewer who had a WebRTC picture
 * falls back to HLS. A first connection falls back at the first such failure: a node failing over
 * answers "retry in 2 s" once or twice, and a viewer already watching should get WebRTC back.
 */
export const FALLBACK_AFTER_FAILURES = 3;

/** The failure a refused playStream stands for, from the error's GraphQL code. */
export function failureOfPlayError(code: string): WebRtcFailure {
  return code === 'RATE_LIMITED' ? 'full' : 'error';
}

/** Whether a failure says WebRTC cannot connect (as opposed to a lost connection, or an error). */
export function cannotConnect(failure: WebRtcFailure | null): boolean {
  return failure === 'full' || failure === 'unreachable';
}

/** Everything the choice depends on. */
export interface PlaybackSituation {
  /** The viewer picked "Stable" in the quality menu. */
  stableChosen: boolean;
  /** The last WebRTC attempt's failure; null when choosing before any attempt. */
  failure: WebRtcFailure | null;
  /** Failed WebRTC attempts in a row that could not connect, this one included. */
  failuresInARow: number;
  /** WebRTC gave a picture on this page already. */
  playedWebRtc: boolean;
  /** Stream.hlsUrl: null while the stream has no HLS (not published, or not H.264). */
  hlsUrl: string | null;
  engine: HlsEngine | null;
}

export type Playback =
  | { mode: 'webrtc' }
  | { mode: 'hls'; reason: 'chosen' | 'fallback'; url: string; engine: HlsEngine };

/**
 * HLS when the viewer chose it, or when WebRTC cannot connect (at once on a first connection,
 * after FALLBACK_AFTER_FAILURES failures in a row for a viewer who was watching), provided the
 * stream has HLS and the browser plays it; else WebRTC.
 */
export function playbackOf(situation: PlaybackSituation): Playback {
  const { hlsUrl, engine } = situation;
  if (!hlsUrl || !engine) return { mode: 'webrtc' };
  if (situation.stableChosen) return { mode: 'hls', reason: 'chosen', url: hlsUrl, engine };
  const fallBack =
    cannotConnect(situation.failure) &&
    (!situation.playedWebRtc || situation.failuresInARow >= FALLBACK_AFTER_FAILURES);
  return fallBack ? { mode: 'hls', reason: 'fallback', url: hlsUrl, engine } : { mode: 'webrtc' };
}

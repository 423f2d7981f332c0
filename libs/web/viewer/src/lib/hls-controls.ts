/**
 * The HLS ("Stable") player's live rewind and its figures (pure: unit-tested). Positions are the
 * video element's media seconds.
 */

/** What the player reads from HLS playback, once a second and after a seek. */
export interface HlsReading {
  /** The DVR window the viewer may seek in (up to DVR_WINDOW_MINUTES back, server side). */
  start: number;
  end: number;
  /** Where "live" plays: hls.js's live sync position (its target latency off the edge). */
  live: number;
  current: number;
  /** The rendition playing (null: unknown, the browser's own player). */
  level: { index: number; width: number; height: number; bitrateKbps: number } | null;
  /** Seconds of media buffered ahead of the position. */
  bufferSeconds: number;
  /** Seconds from the live edge (hls.js's estimate; the window's end minus the position else). */
  latencySeconds: number;
  droppedFrames: number;
  totalFrames: number;
}

/** Further back than this from live, the player offers "Back to live" (LL-HLS drifts ~1 s). */
export const BEHIND_LIVE_SECONDS = 4;

/** Seconds the position is behind live (never negative). */
export function behindLive(reading: HlsReading): number {
  return Math.max(0, reading.live - reading.current);
}

/** Whether the viewer has rewound (or fallen) behind live: the "Back to live" button shows. */
export function isBehindLive(reading: HlsReading): boolean {
  return behindLive(reading) > BEHIND_LIVE_SECONDS;
}

/**
 * Seeks land this far inside the window's start: its oldest segment is the next to leave the
 * window, and a player sent to its very first frame waits on it (seen in Chromium with hls.js).
 */
export const SEEK_START_MARGIN_SECONDS = 3;

/** A seek request within what can be played: just inside the window's start, up to live. */
export function seekTarget(value: number, reading: HlsReading): number {
  if (!Number.isFinite(value)) return reading.live;
  const earliest = Math.min(reading.start + SEEK_START_MARGIN_SECONDS, reading.live);
  return Math.min(Math.max(value, earliest), reading.live);
}

/** "-1:05": how far behind live, for the seek bar's label. */
export function formatBehind(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `-${h}:${String(m).padStart(2, '0')}:${s}` : `-${m}:${s}`;
}

/** Seconds of `buffered` ahead of `position` (0 when the position is outside every range). */
export function bufferAhead(
  buffered: { length: number; start(i: number): number; end(i: number): number },
  position: number,
): number {
  for (let i = 0; i < buffered.length; i++) {
    // A small gap before a range still counts as in it (a seek lands just before a part).
    if (position >= buffered.start(i) - 0.1 && position <= buffered.end(i))
      return Math.max(0, buffered.end(i) - position);
  }
  return 0;
}

import { Role } from '@finserve/shared';
import type { UiError } from '@finserve/web/data-access';

/** The lengths a viewer may pick; the server takes 5..90 s. */
export const CLIP_DURATIONS = [15, 30, 60, 90] as const;
export const DEFAULT_CLIP_SECONDS = 30;
/** The shortest clip the server makes. */
export const MIN_CLIP_SECONDS = 5;

/** What createClip is asked for. */
export interface ClipRange {
  startSeconds?: number;
  durationSeconds: number;
}

/**
 * The range of a clip: on a live stream the last `duration` seconds (no start: the server cuts
 * up to now); on a replay the `duration` seconds from the player's position, moved back so that
 * it ends within the recording, and shortened when the whole recording is shorter. Null when the
 * recording is too short to clip (pure: unit-tested).
 */
export function clipRange(
  live: boolean,
  duration: number,
  position = 0,
  recordingSeconds: number | null = null,
): ClipRange | null {
  const wanted = Math.round(Math.min(90, Math.max(MIN_CLIP_SECONDS, duration)));
  if (live) return { durationSeconds: wanted };
  const total = recordingSeconds ?? Infinity;
  if (!(total >= MIN_CLIP_SECONDS)) return null;
  const durationSeconds = Math.min(wanted, Math.floor(total));
  const at = Number.isFinite(position) ? Math.max(0, position) : 0;
  // Whole tenths of a second: what the player shows, and no float noise past the end.
  const startSeconds = Math.floor(Math.min(at, total - durationSeconds) * 10) / 10;
  return { startSeconds: Math.max(0, startSeconds), durationSeconds };
}

/** The address of a clip's page, to share (pure: unit-tested). */
export function clipPageUrl(origin: string, clipId: string): string {
  return `${origin.replace(/\/+$/, '')}/clips/${encodeURIComponent(clipId)}`;
}

/** What the client knows of the signed-in user: its id and the role its access token carries. */
export interface Viewer {
  id: string;
  role: Role | null;
}

/**
 * The clip's author, the stream's streamer and admins may delete it (the server decides; this
 * only chooses whether to offer the button).
 */
export function canDeleteClip(
  viewer: Viewer | null,
  clip: { author: { id: string }; stream: { streamer: { id: string } } },
): boolean {
  if (!viewer) return false;
  return (
    viewer.role === Role.ADMIN ||
    viewer.id === clip.author.id ||
    viewer.id === clip.stream.streamer.id
  );
}

/** The `role` claim of an access token, read without verifying it (the server does), or null. */
export function roleOfToken(token: string | null | undefined): Role | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(padded));
    const role = (claims as Record<string, unknown> | null)?.['role'];
    return role === Role.ADMIN || role === Role.USER ? role : null;
  } catch {
    return null;
  }
}

/**
 * The sentence for a failed createClip, in the app's language: the generic one, made precise for
 * what clipping refuses (a stream not clippable yet, a replay range, the rate limit).
 */
export function clipErrorMessage(problem: UiError, live: boolean): string {
  switch (problem.code) {
    case 'RATE_LIMITED':
      return $localize`:@@clips.error.rateLimited:You can make 5 clips a minute: try again in ${problem.retryAfterSeconds ?? 1}:seconds: s.`;
    case 'BAD_USER_INPUT':
      return live
        ? $localize`:@@clips.error.notClippable:This live stream cannot be clipped yet. Try again in a few seconds.`
        : $localize`:@@clips.error.range:The clip must end within the replay: pick an earlier moment.`;
    case 'NOT_FOUND':
      return $localize`:@@clips.error.streamGone:This stream no longer exists.`;
    default:
      return problem.message;
  }
}

/** How a link was handed on: the system share sheet, the clipboard, or not (cancelled, failed). */
export type ShareOutcome = 'shared' | 'copied' | 'cancelled' | 'failed';

/** The parts of `navigator` sharing uses (a test passes its own). */
export interface ShareTarget {
  share?: (data: ShareData) => Promise<void>;
  canShare?: (data: ShareData) => boolean;
}

/**
 * Shares `url` with the Web Share API when the browser has it (phones), else copies it with
 * `copy`. Cancelling the share sheet is no failure; a share that fails otherwise falls back to the
 * clipboard (pure but for the two: unit-tested).
 */
export async function shareLink(
  target: ShareTarget | undefined,
  data: { url: string; title: string },
  copy: (text: string) => boolean,
): Promise<ShareOutcome> {
  const share = target?.share;
  if (share && (target.canShare?.(data) ?? true)) {
    try {
      await share.call(target, data);
      return 'shared';
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'AbortError') return 'cancelled';
    }
  }
  return copy(data.url) ? 'copied' : 'failed';
}

/**
 * When a media session is lost and must be opened again (pure: unit-tested). A session is lost
 * when the server says it dropped it (a media worker restarted, the stream moved to another node),
 * when its connection failed or closed, or when it stayed `disconnected` for
 * DISCONNECTED_GRACE_MS: a node that dies sends no event, and Chrome takes ~30 s to go from
 * `disconnected` (a few seconds without packets) to `failed`.
 */

/** How long a connection may stay `disconnected` before the session counts as lost. */
export const DISCONNECTED_GRACE_MS = 2_000;

/** The role of a session: a viewer's (play) or the streamer's (publish). */
export type MediaRole = 'play' | 'publish';

/** Why a session is opened again. */
export type LossReason = 'dropped' | 'failed' | 'disconnected';

/** A server-side event of the session's stream (the mediaEvents subscription). */
export interface MediaEventLike {
  type: string;
  sessionId?: string | null;
}

/**
 * Whether `event` says the server dropped this page's own session: SESSION_CLOSED for a viewer's
 * session, PUBLISHER_GONE for the publisher's. Events of other sessions (another publisher
 * replaced, another viewer leaving) and of the stream (STREAM_ENDED: nothing to reopen) are not.
 */
export function isDropOf(role: MediaRole, sessionId: string, event: MediaEventLike): boolean {
  if (event.sessionId !== sessionId) return false;
  return event.type === (role === 'play' ? 'SESSION_CLOSED' : 'PUBLISHER_GONE');
}

/** What is known of a session: dropped by the server or not, its connection state and since when. */
export interface SessionHealth {
  dropped: boolean;
  connection: RTCPeerConnectionState;
  /** When the connection entered its current state (ms, same clock as `now`). */
  since: number;
}

export type Recovery =
  | { action: 'reconnect'; reason: LossReason }
  /** Disconnected, not for long yet: look again in `recheckInMs` (unless the state changes). */
  | { action: 'wait'; recheckInMs: number }
  | { action: 'none' };

/** Whether the session is lost now (reconnect), may be soon (wait), or is fine (none). */
export function recovery(health: SessionHealth, now: number): Recovery {
  if (health.dropped) return { action: 'reconnect', reason: 'dropped' };
  switch (health.connection) {
    case 'failed':
    case 'closed':
      return { action: 'reconnect', reason: 'failed' };
    case 'disconnected': {
      const left = health.since + DISCONNECTED_GRACE_MS - now;
      return left <= 0
        ? { action: 'reconnect', reason: 'disconnected' }
        : { action: 'wait', recheckInMs: left };
    }
    default:
      return { action: 'none' };
  }
}

/**
 * The wait before the n-th attempt (0-based) to open a lost session again: the first at once
 * (the server dropped it, or its node died: another one is ready), then `backoff(n - 1)`, so a
 * server that keeps refusing is not hammered.
 */
export function recoveryDelayMs(attempt: number, backoff: (attempt: number) => number): number {
  return attempt <= 0 ? 0 : backoff(attempt - 1);
}

export type PlayerState = 'connecting' | 'waiting' | 'playing' | 'reconnecting' | 'stopped';

/** Checks without a new video frame (one a second) before a connected player says it waits. */
export const STALLED_CHECKS = 2;

/** One look at the player: is the media connection up, how many checks since the last frame. */
export interface PlayerCheck {
  connected: boolean;
  /** 0 when a new frame arrived since the previous check. */
  checksWithoutFrame: number;
}

/**
 * The next state after a periodic check (pure: unit-tested). Connected with frames coming in is
 * playing; connected with none for STALLED_CHECKS checks is waiting for the streamer's video
 * (a LIVE stream whose publisher sends nothing, or stopped sending). The connection's own
 * states (connecting, reconnecting, stopped) are left to the connection events.
 */
export function nextPlayerState(state: PlayerState, check: PlayerCheck): PlayerState {
  if (!check.connected || state === 'stopped') return state;
  if (check.checksWithoutFrame === 0) return 'playing';
  if (check.checksWithoutFrame >= STALLED_CHECKS) return 'waiting';
  return state;
}

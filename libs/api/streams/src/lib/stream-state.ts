import { ConflictError } from '@finserve/api/core';
import { StreamStatus } from '@finserve/shared';

export type StreamAction = 'start' | 'end';

/** The one definition of the stream lifecycle: SCHEDULED -> LIVE -> ENDED. */
const TRANSITIONS: Record<StreamAction, { from: StreamStatus; to: StreamStatus }> = {
  start: { from: StreamStatus.SCHEDULED, to: StreamStatus.LIVE },
  end: { from: StreamStatus.LIVE, to: StreamStatus.ENDED },
};

/** The state `action` leads to from `current`; an illegal transition is CONFLICT. */
export function nextStatus(current: StreamStatus, action: StreamAction): StreamStatus {
  const transition = TRANSITIONS[action];
  if (current !== transition.from) {
    throw new ConflictError(
      `Cannot ${action} a ${current} stream (only a ${transition.from} stream can be ${action === 'start' ? 'started' : 'ended'})`,
    );
  }
  return transition.to;
}

export function requiredStatus(action: StreamAction): StreamStatus {
  return TRANSITIONS[action].from;
}

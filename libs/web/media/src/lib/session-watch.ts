import { Subscription } from 'rxjs';

import type { MediaSessionHandle } from './media.service';
import { recovery, type LossReason } from './session-recovery';

/** The parts of a session the watch reads. */
export type WatchedSession = Pick<MediaSessionHandle, 'dropped'> & {
  readonly pc: Pick<
    RTCPeerConnection,
    'connectionState' | 'addEventListener' | 'removeEventListener'
  >;
};

/**
 * Calls `onLost` once when `session` is lost (see `recovery`): dropped by the server, failed or
 * closed, or `disconnected` for DISCONNECTED_GRACE_MS (cancelled when it connects again in
 * time). Returns the function that stops watching (call it before closing the session yourself).
 */
export function watchSession(
  session: WatchedSession,
  onLost: (reason: LossReason) => void,
  now: () => number = () => performance.now(),
): () => void {
  let dropped = false;
  let since = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watching = true;
  const subscription = new Subscription();

  const stop = () => {
    watching = false;
    clearTimeout(timer);
    session.pc.removeEventListener('connectionstatechange', onState);
    subscription.unsubscribe();
  };
  const evaluate = () => {
    if (!watching) return;
    clearTimeout(timer);
    const next = recovery({ dropped, connection: session.pc.connectionState, since }, now());
    if (next.action === 'reconnect') {
      stop();
      onLost(next.reason);
    } else if (next.action === 'wait') {
      timer = setTimeout(evaluate, next.recheckInMs);
    }
  };
  const onState = () => {
    since = now();
    evaluate();
  };

  session.pc.addEventListener('connectionstatechange', onState);
  // A drop known already emits while subscribing and stops the watch: `add` then ends it at once.
  subscription.add(
    session.dropped.subscribe(() => {
      dropped = true;
      evaluate();
    }),
  );
  // Already lost when the watch starts (an event that came first, a connection already failed).
  evaluate();
  return stop;
}

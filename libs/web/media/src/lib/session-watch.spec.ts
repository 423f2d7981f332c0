import { jest } from '@jest/globals';
import { AsyncSubject } from 'rxjs';

import { DISCONNECTED_GRACE_MS } from './session-recovery';
import { watchSession } from './session-watch';

/** A session whose connection state and drop the test drives; time is the test's. */
function fakeSession() {
  const pc: EventTarget & { connectionState: RTCPeerConnectionState } = Object.assign(
    new EventTarget(),
    { connectionState: 'connecting' as const },
  );
  const dropped = new AsyncSubject<string>();
  const setState = (state: RTCPeerConnectionState) => {
    pc.connectionState = state;
    pc.dispatchEvent(new Event('connectionstatechange'));
  };
  const drop = (type: string) => {
    dropped.next(type);
    dropped.complete();
  };
  return { session: { pc, dropped: dropped.asObservable() }, setState, drop };
}

describe('watchSession', () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 0;
  });
  afterEach(() => jest.useRealTimers());

  const advance = (ms: number) => {
    clock += ms;
    jest.advanceTimersByTime(ms);
  };

  it('reports a drop by the server at once, and only once', () => {
    const { session, setState, drop } = fakeSession();
    const onLost = jest.fn();
    watchSession(session, onLost, now);
    setState('connected');
    drop('SESSION_CLOSED');
    expect(onLost).toHaveBeenCalledWith('dropped');
    setState('failed');
    advance(DISCONNECTED_GRACE_MS * 2);
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('reports a drop that came before the watch started', () => {
    const { session, drop } = fakeSession();
    drop('PUBLISHER_GONE');
    const onLost = jest.fn();
    watchSession(session, onLost, now);
    expect(onLost).toHaveBeenCalledWith('dropped');
  });

  it('reports a connection disconnected for the grace period', () => {
    const { session, setState } = fakeSession();
    const onLost = jest.fn();
    watchSession(session, onLost, now);
    setState('connected');
    advance(10_000);
    setState('disconnected');
    advance(DISCONNECTED_GRACE_MS - 1);
    expect(onLost).not.toHaveBeenCalled();
    advance(1);
    expect(onLost).toHaveBeenCalledWith('disconnected');
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('forgets a disconnection when the connection comes back in time', () => {
    const { session, setState } = fakeSession();
    const onLost = jest.fn();
    watchSession(session, onLost, now);
    setState('connected');
    setState('disconnected');
    advance(DISCONNECTED_GRACE_MS - 500);
    setState('connected');
    advance(DISCONNECTED_GRACE_MS * 3);
    expect(onLost).not.toHaveBeenCalled();
    // A new disconnection gets its own full grace period.
    setState('disconnected');
    advance(DISCONNECTED_GRACE_MS - 1);
    expect(onLost).not.toHaveBeenCalled();
    advance(1);
    expect(onLost).toHaveBeenCalledWith('disconnected');
  });

  it('reports a failed connection at once', () => {
    const { session, setState } = fakeSession();
    const onLost = jest.fn();
    watchSession(session, onLost, now);
    setState('failed');
    expect(onLost).toHaveBeenCalledWith('failed');
  });

  it('reports nothing once stopped (the page closes the session itself)', () => {
    const { session, setState, drop } = fakeSession();
    const onLost = jest.fn();
    const stop = watchSession(session, onLost, now);
    setState('disconnected');
    stop();
    drop('SESSION_CLOSED');
    setState('closed');
    advance(DISCONNECTED_GRACE_MS * 2);
    expect(onLost).not.toHaveBeenCalled();
  });
});

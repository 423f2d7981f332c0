import {
  DISCONNECTED_GRACE_MS,
  isDropOf,
  recovery,
  recoveryDelayMs,
  type SessionHealth,
} from './session-recovery';

describe('isDropOf', () => {
  it("takes SESSION_CLOSED of a viewer's own session for a drop", () => {
    expect(isDropOf('play', 'v1', { type: 'SESSION_CLOSED', sessionId: 'v1' })).toBe(true);
    expect(isDropOf('play', 'v1', { type: 'SESSION_CLOSED', sessionId: 'v2' })).toBe(false);
    expect(isDropOf('play', 'v1', { type: 'PUBLISHER_GONE', sessionId: 'v1' })).toBe(false);
  });

  it("takes PUBLISHER_GONE of the publisher's own session for a drop, not of a replaced one", () => {
    expect(isDropOf('publish', 'p2', { type: 'PUBLISHER_GONE', sessionId: 'p2' })).toBe(true);
    expect(isDropOf('publish', 'p2', { type: 'PUBLISHER_GONE', sessionId: 'p1' })).toBe(false);
    expect(isDropOf('publish', 'p2', { type: 'SESSION_CLOSED', sessionId: 'p2' })).toBe(false);
  });

  it('ignores stream-wide and other events', () => {
    for (const type of ['STREAM_ENDED', 'KEYFRAME_REQUESTED', 'PUBLISHER_RESTARTED']) {
      expect(isDropOf('play', 'v1', { type, sessionId: null })).toBe(false);
      expect(isDropOf('publish', 'p1', { type, sessionId: 'p1' })).toBe(false);
    }
    expect(isDropOf('play', 'v1', { type: 'SESSION_CLOSED' })).toBe(false);
  });
});

describe('recovery', () => {
  const health = (overrides: Partial<SessionHealth>): SessionHealth => ({
    dropped: false,
    connection: 'connected',
    since: 1_000,
    ...overrides,
  });

  it('reconnects at once when the server dropped the session, whatever the connection says', () => {
    for (const connection of ['new', 'connecting', 'connected', 'disconnected'] as const) {
      expect(recovery(health({ dropped: true, connection }), 1_000)).toEqual({
        action: 'reconnect',
        reason: 'dropped',
      });
    }
  });

  it('reconnects a failed or closed connection', () => {
    expect(recovery(health({ connection: 'failed' }), 1_000)).toEqual({
      action: 'reconnect',
      reason: 'failed',
    });
    expect(recovery(health({ connection: 'closed' }), 1_000)).toEqual({
      action: 'reconnect',
      reason: 'failed',
    });
  });

  it('waits out the rest of the grace period while disconnected, then reconnects', () => {
    expect(recovery(health({ connection: 'disconnected', since: 1_000 }), 1_500)).toEqual({
      action: 'wait',
      recheckInMs: DISCONNECTED_GRACE_MS - 500,
    });
    expect(
      recovery(health({ connection: 'disconnected', since: 1_000 }), 1_000 + DISCONNECTED_GRACE_MS),
    ).toEqual({ action: 'reconnect', reason: 'disconnected' });
    expect(recovery(health({ connection: 'disconnected', since: 1_000 }), 9_000)).toEqual({
      action: 'reconnect',
      reason: 'disconnected',
    });
  });

  it('leaves a connecting or connected session alone, however long it has been so', () => {
    for (const connection of ['new', 'connecting', 'connected'] as const) {
      expect(recovery(health({ connection, since: 0 }), 60_000)).toEqual({ action: 'none' });
    }
  });
});

describe('recoveryDelayMs', () => {
  const backoff = (attempt: number) => 500 * 2 ** attempt;

  it('opens again at once the first time, then backs off from the first step', () => {
    expect(recoveryDelayMs(0, backoff)).toBe(0);
    expect(recoveryDelayMs(1, backoff)).toBe(500);
    expect(recoveryDelayMs(2, backoff)).toBe(1_000);
    expect(recoveryDelayMs(5, backoff)).toBe(8_000);
  });
});

import { nextPlayerState, STALLED_CHECKS } from './player-state';

describe('nextPlayerState', () => {
  it('plays while new frames arrive on a connected session', () => {
    expect(nextPlayerState('connecting', { connected: true, checksWithoutFrame: 0 })).toBe(
      'playing',
    );
    expect(nextPlayerState('waiting', { connected: true, checksWithoutFrame: 0 })).toBe('playing');
  });

  it("waits for the streamer's video when connected but no frame comes (no publisher)", () => {
    expect(nextPlayerState('connecting', { connected: true, checksWithoutFrame: 1 })).toBe(
      'connecting',
    );
    expect(
      nextPlayerState('connecting', { connected: true, checksWithoutFrame: STALLED_CHECKS }),
    ).toBe('waiting');
  });

  it('goes from playing to waiting when the frames stop (the publisher left)', () => {
    expect(
      nextPlayerState('playing', { connected: true, checksWithoutFrame: STALLED_CHECKS + 3 }),
    ).toBe('waiting');
  });

  it('leaves connection states to the connection while it is not connected', () => {
    for (const state of ['connecting', 'reconnecting', 'stopped'] as const) {
      expect(nextPlayerState(state, { connected: false, checksWithoutFrame: 9 })).toBe(state);
    }
    expect(nextPlayerState('stopped', { connected: true, checksWithoutFrame: 0 })).toBe('stopped');
  });
});

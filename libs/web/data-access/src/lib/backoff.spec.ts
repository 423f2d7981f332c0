import { reconnectDelayMs } from './backoff';

describe('reconnectDelayMs', () => {
  it('doubles from half a second and stops growing at 15 s', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 10, 50].map((n) => reconnectDelayMs(n, noJitter))).toEqual([
      500, 1000, 2000, 4000, 15_000, 15_000,
    ]);
  });

  it('adds at most 25 % jitter so clients do not reconnect in lockstep', () => {
    expect(reconnectDelayMs(2, () => 0.999)).toBe(2500);
    expect(reconnectDelayMs(2, () => 0.5)).toBe(2250);
  });
});

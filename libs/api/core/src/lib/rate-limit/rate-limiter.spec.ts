import { InMemoryRateLimiter } from './rate-limiter';

describe('InMemoryRateLimiter', () => {
  it('lets a burst of `capacity` through, refuses the rest with the wait, and refills over time', async () => {
    let now = 1_000_000;
    const limiter = new InMemoryRateLimiter(() => now);
    const bucket = { capacity: 3, refillPerSecond: 3 };
    const burst = await Promise.all(Array.from({ length: 6 }, () => limiter.consume('u', bucket)));
    expect(burst.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
    expect(burst[3].retryAfterSeconds).toBe(1);
    expect(burst.slice(0, 3).map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(burst[0].resetSeconds).toBe(1);
    now += 340; // one token (1/3 s)
    expect((await limiter.consume('u', bucket)).allowed).toBe(true);
    expect((await limiter.consume('u', bucket)).allowed).toBe(false);
    expect((await limiter.consume('other', bucket)).allowed).toBe(true);
  });

  it('reports long waits in whole seconds, rounded up', async () => {
    const limiter = new InMemoryRateLimiter(() => 0);
    const slow = { capacity: 1, refillPerSecond: 1 / 30 };
    await limiter.consume('s', slow);
    expect(await limiter.consume('s', slow)).toEqual({
      allowed: false,
      retryAfterSeconds: 30,
      remaining: 0,
      resetSeconds: 30,
    });
  });
});

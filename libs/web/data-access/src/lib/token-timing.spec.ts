import { jwtTimes, needsRefresh, refreshDelayMs, singleFlight } from './token-timing';

/** An unsigned JWT with these claims (base64url, as the server encodes them). */
function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

describe('jwtTimes', () => {
  it('reads exp and iat from the payload, base64url without padding', () => {
    expect(jwtTimes(jwt({ sub: 'ü?>', iat: 1_700_000_000, exp: 1_700_000_900 }))).toEqual({
      iat: 1_700_000_000,
      exp: 1_700_000_900,
    });
    expect(jwtTimes(jwt({ exp: 42 }))).toEqual({ exp: 42 });
  });

  it('returns null for anything that is not a JWT with a numeric exp', () => {
    expect(jwtTimes('')).toBeNull();
    expect(jwtTimes('opaque')).toBeNull();
    expect(jwtTimes('a.!!!.c')).toBeNull();
    expect(jwtTimes(jwt({ exp: '900' }))).toBeNull();
    expect(jwtTimes(`x.${btoa('null')}.y`)).toBeNull();
  });
});

describe('refreshDelayMs', () => {
  const iat = 1_700_000_000;
  const at = (secondsAfterIat: number) => (iat + secondsAfterIat) * 1000;

  it('renews a 15 min token one minute before it expires', () => {
    const token = jwt({ iat, exp: iat + 900 });
    expect(refreshDelayMs(token, at(0))).toBe(840_000);
    expect(refreshDelayMs(token, at(600))).toBe(240_000);
  });

  it('renews a short token a fifth of its lifetime before it expires', () => {
    const token = jwt({ iat, exp: iat + 5 });
    expect(refreshDelayMs(token, at(0))).toBe(4000);
    expect(needsRefresh(token, at(3))).toBe(false);
    expect(needsRefresh(token, at(4))).toBe(true);
  });

  it('says now (0) for an expired token and a minute ahead without iat', () => {
    expect(refreshDelayMs(jwt({ iat, exp: iat + 900 }), at(2000))).toBe(0);
    expect(refreshDelayMs(jwt({ exp: iat + 900 }), at(0))).toBe(840_000);
  });

  it('says null when the token cannot be read', () => {
    expect(refreshDelayMs('not-a-jwt', at(0))).toBeNull();
    expect(needsRefresh('not-a-jwt', at(0))).toBe(false);
  });
});

describe('singleFlight', () => {
  it('gives concurrent callers the one in-flight run, and starts a new run after it settles', async () => {
    let runs = 0;
    let release: (value: number) => void = () => undefined;
    const refresh = singleFlight(
      () =>
        new Promise<number>((resolve) => {
          runs++;
          release = resolve;
        }),
    );
    const first = refresh();
    const second = refresh();
    expect(second).toBe(first);
    expect(runs).toBe(1);
    release(7);
    await expect(Promise.all([first, second])).resolves.toEqual([7, 7]);

    const third = refresh();
    expect(third).not.toBe(first);
    expect(runs).toBe(2);
    release(8);
    await expect(third).resolves.toBe(8);
  });

  it('shares a failure too, and lets the next call try again', async () => {
    let runs = 0;
    const refresh = singleFlight(() => {
      runs++;
      return runs === 1 ? Promise.reject(new Error('revoked')) : Promise.resolve('fresh');
    });
    const failures = await Promise.allSettled([refresh(), refresh()]);
    expect(failures.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    await expect(refresh()).resolves.toBe('fresh');
    expect(runs).toBe(2);
  });
});

/** The times of a JWT (seconds since the epoch), read without verifying it (the server does). */
export interface JwtTimes {
  exp: number;
  iat?: number;
}

/** `exp` (and `iat`) of a JWT, or null when it is not a readable JWT with an `exp`. */
export function jwtTimes(token: string): JwtTimes | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(padded));
    if (typeof claims !== 'object' || claims === null) return null;
    const { exp, iat } = claims as Record<string, unknown>;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    return typeof iat === 'number' && Number.isFinite(iat) ? { exp, iat } : { exp };
  } catch {
    return null;
  }
}

/** The most time before expiry at which a token is renewed. */
export const MAX_REFRESH_LEAD_MS = 60_000;

/**
 * How long until `token` should be renewed: a fifth of its lifetime (at most a minute) before
 * it expires, so a 15 min token is renewed after 14 min and a 5 s one after 4 s. 0 = renew now
 * (expired or about to); null = it cannot be read (the server's UNAUTHENTICATED will tell).
 */
export function refreshDelayMs(token: string, nowMs: number): number | null {
  const times = jwtTimes(token);
  if (!times) return null;
  const expMs = times.exp * 1000;
  const lifetimeMs = times.iat !== undefined ? Math.max(0, expMs - times.iat * 1000) : 0;
  const leadMs =
    lifetimeMs > 0 ? Math.min(MAX_REFRESH_LEAD_MS, lifetimeMs / 5) : MAX_REFRESH_LEAD_MS;
  return Math.max(0, Math.floor(expMs - leadMs - nowMs));
}

/** True when `token` is due for renewal now (see refreshDelayMs). */
export function needsRefresh(token: string, nowMs: number): boolean {
  return refreshDelayMs(token, nowMs) === 0;
}

/**
 * Wraps an async task so that concurrent callers share one run: while it is in flight every call
 * gets the same promise; once it settles the next call starts a new run. (A refresh token is
 * single-use: two parallel refreshes would present it twice and revoke the session.)
 */
export function singleFlight<T>(task: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= task().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

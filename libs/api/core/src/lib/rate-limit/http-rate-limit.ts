import { ErrorCode } from '@finserve/shared';

import type { RateDecision, RateLimiter, TokenBucket } from './rate-limiter';

/** The parts of an Express request/response this middleware touches. */
interface HttpRequest {
  method: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  setHeader(name: string, value: string | number): unknown;
  status(code: number): HttpResponse;
  json(body: unknown): unknown;
}
type Next = (error?: unknown) => void;

/** A bucket of `perMinute` requests: that burst at once, refilled evenly over the minute. */
export function perMinute(limit: number): TokenBucket {
  return { capacity: limit, refillPerSecond: limit / 60 };
}

/**
 * The standard headers of a decision (IETF draft "RateLimit header fields for HTTP"):
 * RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (seconds until full), RateLimit-Policy,
 * and Retry-After when refused.
 */
export function rateLimitHeaders(
  decision: RateDecision,
  limit: number,
  windowSeconds: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(
      decision.allowed ? decision.resetSeconds : decision.retryAfterSeconds,
    ),
    'RateLimit-Policy': `${limit};w=${windowSeconds}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}

export interface ApiRateLimitOptions {
  limiter: RateLimiter;
  /** API_RATE_LIMIT_PER_MINUTE */
  perMinute: number;
  /** The user id of the request's access token, or null (then the client IP is the key). */
  userIdOf: (request: HttpRequest) => string | null;
}

/**
 * Express middleware for /graphql: API_RATE_LIMIT_PER_MINUTE per user (per client IP when
 * anonymous). Every answer carries the RateLimit-* headers; a refused request gets 429, Retry-After
 * and a GraphQL-shaped body with code RATE_LIMITED and extensions.retryAfterSeconds, before any
 * parsing or execution happens.
 */
export function apiRateLimitMiddleware({
  limiter,
  perMinute: limit,
  userIdOf,
}: ApiRateLimitOptions) {
  const bucket = perMinute(limit);
  return (request: HttpRequest, response: HttpResponse, next: Next): void => {
    if (request.method === 'OPTIONS') return next();
    const userId = userIdOf(request);
    const key = userId ? `api:user:${userId}` : `api:ip:${request.ip ?? 'unknown'}`;
    limiter.consume(key, bucket).then(
      (decision) => {
        for (const [name, value] of Object.entries(rateLimitHeaders(decision, limit, 60)))
          response.setHeader(name, value);
        if (decision.allowed) return next();
        response.status(429).json({
          errors: [
            {
              message: `Too many requests: at most ${limit} per minute; retry in ${decision.retryAfterSeconds} s`,
              extensions: {
                code: ErrorCode.RATE_LIMITED,
                retryAfterSeconds: decision.retryAfterSeconds,
              },
            },
          ],
        });
      },
      (error: unknown) => next(error),
    );
  };
}

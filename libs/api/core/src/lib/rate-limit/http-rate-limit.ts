import { ErrorCode } from '@finserve/shared';

import type { ScopedCredential } from '../auth-context/auth-user';
import { HTTP_STATUS_OF } from '../errors/http-status';
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

/** Whom a request or a graphql-ws operation counts for: a user, through which credential. */
export interface RateLimitSubject {
  userId: string;
  /** The scoped token used (personal access token, OAuth app token); absent for a session. */
  credential?: ScopedCredential;
}

/**
 * The bucket of API_RATE_LIMIT_PER_MINUTE a call draws from. A user's own session: the user's.
 * A scoped token: its app's for that user (an OAuth app's tokens share one; a personal access
 * token is an app of its own), so a busy bot neither locks its user out of the web app nor eats
 * another user's quota of the same app. Anonymous: the client IP's.
 */
export function apiRateLimitKey(subject: RateLimitSubject | null, ip: string | undefined): string {
  if (!subject) return `api:ip:${ip ?? 'unknown'}`;
  const { userId, credential } = subject;
  if (!credential) return `api:user:${userId}`;
  const app = credential.appId ? `app:${credential.appId}` : `${credential.kind}:${credential.id}`;
  return `api:${app}:user:${userId}`;
}

/**
 * The Retry-After (seconds) of a GraphQL answer refused by a rate limit inside the API (sign-in
 * attempts, chat, tips, ...): the longest `retryAfterSeconds` of its RATE_LIMITED errors, or null
 * when none has one.
 */
export function retryAfterOfErrors(
  errors: readonly { extensions?: Record<string, unknown> }[] | undefined,
): number | null {
  let longest: number | null = null;
  for (const error of errors ?? []) {
    const seconds = error.extensions?.['retryAfterSeconds'];
    if (error.extensions?.['code'] !== ErrorCode.RATE_LIMITED) continue;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) continue;
    longest = Math.max(longest ?? 0, Math.ceil(seconds));
  }
  return longest;
}

export interface ApiRateLimitOptions {
  limiter: RateLimiter;
  /** API_RATE_LIMIT_PER_MINUTE */
  perMinute: number;
  /** Whom the request's access token names (checked without the database), or null: anonymous. */
  subjectOf: (request: HttpRequest) => RateLimitSubject | null;
}

/**
 * Express middleware for /graphql: API_RATE_LIMIT_PER_MINUTE per user, per app and user for a
 * scoped token, per client IP when anonymous (apiRateLimitKey). Every answer carries the
 * RateLimit-* headers of its bucket; a refused request gets 429, Retry-After and a GraphQL-shaped
 * body with code RATE_LIMITED and extensions.retryAfterSeconds, before any parsing or execution
 * happens.
 */
export function apiRateLimitMiddleware({
  limiter,
  perMinute: limit,
  subjectOf,
}: ApiRateLimitOptions) {
  const bucket = perMinute(limit);
  return (request: HttpRequest, response: HttpResponse, next: Next): void => {
    if (request.method === 'OPTIONS') return next();
    const key = apiRateLimitKey(subjectOf(request), request.ip);
    limiter.consume(key, bucket).then(
      (decision) => {
        for (const [name, value] of Object.entries(rateLimitHeaders(decision, limit, 60)))
          response.setHeader(name, value);
        if (decision.allowed) return next();
        response.status(HTTP_STATUS_OF[ErrorCode.RATE_LIMITED]).json({
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

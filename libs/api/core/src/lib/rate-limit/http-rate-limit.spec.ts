import {
  apiRateLimitKey,
  apiRateLimitMiddleware,
  rateLimitHeaders,
  retryAfterOfErrors,
} from './http-rate-limit';
import { InMemoryRateLimiter } from './rate-limiter';

describe('apiRateLimitKey', () => {
  const pat = { kind: 'pat', id: 'pat-1' } as const;

  it('counts anonymous callers per IP and a signed-in session per user', () => {
    expect(apiRateLimitKey(null, '203.0.113.7')).toBe('api:ip:203.0.113.7');
    expect(apiRateLimitKey(null, undefined)).toBe('api:ip:unknown');
    expect(apiRateLimitKey({ userId: 'u1' }, '203.0.113.7')).toBe('api:user:u1');
  });

  it("gives a personal access token a bucket of its own for its user, apart from the user's session", () => {
    const key = apiRateLimitKey({ userId: 'u1', credential: pat }, '203.0.113.7');
    expect(key).toBe('api:pat:pat-1:user:u1');
    expect(key).not.toBe(apiRateLimitKey({ userId: 'u1' }, '203.0.113.7'));
    expect(key).not.toBe(
      apiRateLimitKey({ userId: 'u1', credential: { kind: 'pat', id: 'pat-2' } }, undefined),
    );
  });

  it("shares one bucket among an OAuth app's tokens for one user, and splits it per user", () => {
    const token = (id: string, userId: string) => ({
      userId,
      credential: { kind: 'oauth', id, appId: 'app-9' } as const,
    });
    expect(apiRateLimitKey(token('t1', 'u1'), undefined)).toBe('api:app:app-9:user:u1');
    expect(apiRateLimitKey(token('t2', 'u1'), undefined)).toBe('api:app:app-9:user:u1');
    expect(apiRateLimitKey(token('t3', 'u2'), undefined)).toBe('api:app:app-9:user:u2');
  });
});

describe('rateLimitHeaders', () => {
  it('states limit, remaining, reset and policy of an allowed call, without Retry-After', () => {
    expect(
      rateLimitHeaders(
        { allowed: true, remaining: 7, resetSeconds: 12, retryAfterSeconds: 0 },
        10,
        60,
      ),
    ).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '7',
      'RateLimit-Reset': '12',
      'RateLimit-Policy': '10;w=60',
    });
  });

  it('adds Retry-After to a refusal, and the reset is the wait for the next call', () => {
    const headers = rateLimitHeaders(
      { allowed: false, remaining: 0, resetSeconds: 60, retryAfterSeconds: 6 },
      10,
      60,
    );
    expect(headers['Retry-After']).toBe('6');
    expect(headers['RateLimit-Reset']).toBe('6');
    expect(headers['RateLimit-Remaining']).toBe('0');
  });
});

describe('apiRateLimitMiddleware', () => {
  interface Answer {
    headers: Record<string, string | number>;
    status?: number;
    body?: unknown;
    passed: boolean;
  }

  /** Runs one request through the middleware and records what it did to the response. */
  function call(
    middleware: ReturnType<typeof apiRateLimitMiddleware>,
    request: { method?: string; ip?: string; authorization?: string },
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const answer: Answer = { headers: {}, passed: false };
      const response = {
        setHeader: (name: string, value: string | number) => (answer.headers[name] = value),
        status: (code: number) => {
          answer.status = code;
          return response;
        },
        json: (body: unknown) => {
          answer.body = body;
          resolve(answer);
        },
      };
      middleware(
        {
          method: request.method ?? 'POST',
          ip: request.ip,
          headers: { authorization: request.authorization },
        },
        response,
        (error?: unknown) =>
          error
            ? reject(new Error('the middleware failed', { cause: error }))
            : resolve({ ...answer, passed: true }),
      );
    });
  }

  /** Bearer "session:<user>" is a session; "pat:<id>:<user>" a personal access token. */
  const subjectOf = (request: { headers: Record<string, string | string[] | undefined> }) => {
    const [kind, a, b] = String(request.headers['authorization'] ?? '').split(':');
    if (kind === 'session') return { userId: a };
    if (kind === 'pat') return { userId: b, credential: { kind: 'pat', id: a } as const };
    return null;
  };

  it("limits a token apart from its user's session and from the user's other tokens", async () => {
    const middleware = apiRateLimitMiddleware({
      limiter: new InMemoryRateLimiter(() => 0),
      perMinute: 2,
      subjectOf,
    });
    const viaToken = [];
    for (let i = 0; i < 3; i++)
      viaToken.push(await call(middleware, { authorization: 'pat:p1:u1', ip: '10.0.0.1' }));
    expect(viaToken.map((a) => a.passed)).toEqual([true, true, false]);
    expect(viaToken.map((a) => a.headers['RateLimit-Remaining'])).toEqual(['1', '0', '0']);
    expect(viaToken[2].status).toBe(429);
    expect(viaToken[2].headers['Retry-After']).toBe('30');
    expect(viaToken[2].body).toEqual({
      errors: [
        {
          message: 'Too many requests: at most 2 per minute; retry in 30 s',
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 30 },
        },
      ],
    });

    const session = await call(middleware, { authorization: 'session:u1', ip: '10.0.0.1' });
    expect(session.passed).toBe(true);
    expect(session.headers['RateLimit-Remaining']).toBe('1');
    const otherToken = await call(middleware, { authorization: 'pat:p2:u1', ip: '10.0.0.1' });
    expect(otherToken.passed).toBe(true);
    const anonymous = await call(middleware, { ip: '10.0.0.1' });
    expect(anonymous.passed).toBe(true);
    expect(anonymous.headers['RateLimit-Remaining']).toBe('1');
  });

  it('lets CORS preflights through without counting them', async () => {
    const middleware = apiRateLimitMiddleware({
      limiter: new InMemoryRateLimiter(() => 0),
      perMinute: 1,
      subjectOf,
    });
    const preflight = await call(middleware, { method: 'OPTIONS', ip: '10.0.0.2' });
    expect(preflight.passed).toBe(true);
    expect(preflight.headers).toEqual({});
    expect((await call(middleware, { ip: '10.0.0.2' })).passed).toBe(true);
    expect((await call(middleware, { ip: '10.0.0.2' })).passed).toBe(false);
  });
});

describe('retryAfterOfErrors', () => {
  it('is the longest wait of the RATE_LIMITED errors, in whole seconds', () => {
    expect(
      retryAfterOfErrors([
        { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3 } },
        { extensions: { code: 'FORBIDDEN' } },
        { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7.2 } },
      ]),
    ).toBe(8);
  });

  it('is null without a RATE_LIMITED error that says how long to wait', () => {
    expect(retryAfterOfErrors(undefined)).toBeNull();
    expect(retryAfterOfErrors([{ extensions: { code: 'BAD_USER_INPUT' } }])).toBeNull();
    expect(retryAfterOfErrors([{ extensions: { code: 'RATE_LIMITED' } }])).toBeNull();
    expect(
      retryAfterOfErrors([{ extensions: { code: 'FORBIDDEN', retryAfterSeconds: 5 } }]),
    ).toBeNull();
  });
});

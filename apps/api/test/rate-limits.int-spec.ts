import type { RunningApp } from '../src/bootstrap';
import {
  errorCode,
  gql,
  LOGIN,
  ME,
  REGISTER,
  registerUser,
  uniqueUsername,
  wsConnect,
} from './support/graphql-client';
import { startTestApp, suiteRedis } from './support/test-app';

// A Redis database of its own: suites run side by side (tools/test.mjs), and another suite's
// requests from 127.0.0.1 must not count against the limits measured here.
const redisUrl = process.env['TEST_REDIS_URL'] && suiteRedis(process.env['TEST_REDIS_URL'], 4);
const withRedis = redisUrl ? describe : describe.skip;

async function burst(url: string, count: number, token?: string) {
  const answers = [];
  for (let i = 0; i < count; i++) answers.push(await gql(url, ME, {}, token));
  return answers;
}

describe('HTTP API rate limit (API_RATE_LIMIT_PER_MINUTE)', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '5' });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('lets the limit through with RateLimit-* headers counting down, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const answers = await burst(url, 6);
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.slice(0, 5).map((a) => a.headers.get('ratelimit-remaining'))).toEqual([
      '4',
      '3',
      '2',
      '1',
      '0',
    ]);
    expect(answers[0].headers.get('ratelimit-limit')).toBe('5');
    expect(answers[0].headers.get('ratelimit-policy')).toBe('5;w=60');
    expect(Number(answers[0].headers.get('ratelimit-reset'))).toBeGreaterThan(0);

    const refused = answers[5];
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    const retryAfter = refused.errors?.[0].extensions?.['retryAfterSeconds'];
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('counts a signed-in user apart from anonymous callers of the same IP', async () => {
    const limited = await startTestApp({
      API_RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      const user = await registerUser(limited.url); // 1 anonymous request
      const anonymous = await burst(limited.url, 3);
      expect(anonymous.map((a) => a.status)).toEqual([200, 200, 429]);
      const signedIn = await burst(limited.url, 4, user.token);
      expect(signedIn.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(errorCode(signedIn[3])).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

const CREATE_PAT = /* GraphQL */ `
  mutation Create($input: CreatePersonalAccessTokenInput!) {
    createPersonalAccessToken(input: $input) {
      secret
    }
  }
`;

describe('the API rate limit of scoped tokens: per app (a personal access token is one) and user', () => {
  it("gives each token its own bucket with its own RateLimit-* headers, apart from the user's session, over HTTP and graphql-ws", async () => {
    const app = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '4' });
    try {
      const user = await registerUser(app.url); // the IP's bucket
      const pat = async () => {
        const created = await gql<{ createPersonalAccessToken: { secret: string } }>(
          app.url,
          CREATE_PAT,
          { input: { name: 'limited', scopes: ['profile:read'] } },
          user.token,
        );
        return created.data?.createPersonalAccessToken.secret ?? '';
      };
      const first = await pat(); // session: 1 of 4
      const second = await pat(); // session: 2 of 4
      // A token this process has not checked yet counts for its IP (no query before the limit):
      expect((await gql(app.url, ME, {}, first)).status).toBe(200);

      const viaFirst = await burst(app.url, 5, first);
      expect(viaFirst.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
      expect(viaFirst.slice(0, 4).map((a) => a.headers.get('ratelimit-remaining'))).toEqual([
        '3',
        '2',
        '1',
        '0',
      ]);
      expect(viaFirst[0].headers.get('ratelimit-limit')).toBe('4');
      expect(viaFirst[0].headers.get('ratelimit-policy')).toBe('4;w=60');
      expect(errorCode(viaFirst[4])).toBe('RATE_LIMITED');
      const retryAfter = viaFirst[4].errors?.[0].extensions?.['retryAfterSeconds'];
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(viaFirst[4].headers.get('retry-after')).toBe(String(retryAfter));

      // The same token over graphql-ws draws from the same (empty) bucket.
      const ws = wsConnect(app.url, first);
      await ws.connected;
      const refused = await ws
        .execute(ME)
        .then(() => undefined)
        .catch((errors: { extensions?: Record<string, unknown> }[]) => errors);
      expect(refused?.[0].extensions?.['code']).toBe('RATE_LIMITED');
      await ws.dispose();

      // The user's session and the user's other token still have theirs.
      const session = await gql(app.url, ME, {}, user.token);
      expect(session.status).toBe(200);
      expect(session.headers.get('ratelimit-remaining')).toBe('1');
      expect((await gql(app.url, ME, {}, second)).status).toBe(200); // the IP's: 3 of 4
      const viaSecond = await gql(app.url, ME, {}, second);
      expect(viaSecond.status).toBe(200);
      expect(viaSecond.headers.get('ratelimit-remaining')).toBe('3');
    } finally {
      await app.close();
    }
  });
});

describe('the API rate limit over graphql-ws', () => {
  it('draws graphql-ws operations from the same per-user bucket as HTTP and refuses with RATE_LIMITED', async () => {
    const app = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '4' });
    try {
      const user = await registerUser(app.url); // anonymous IP bucket, not the user's
      expect((await gql(app.url, ME, {}, user.token)).status).toBe(200); // 1 of 4
      const ws = wsConnect(app.url, user.token);
      await ws.connected;
      for (let i = 0; i < 3; i++) expect((await ws.execute(ME)).errors).toBeUndefined();
      const refused = await ws
        .execute(ME)
        .then(() => undefined)
        .catch((errors: { extensions?: Record<string, unknown> }[]) => errors);
      expect(refused?.[0].extensions?.['code']).toBe('RATE_LIMITED');
      expect(refused?.[0].extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
      expect((await gql(app.url, ME, {}, user.token)).status).toBe(429);
      await ws.dispose();
    } finally {
      await app.close();
    }
  });
});

describe('login/register brute-force limits', () => {
  it('refuses a 4th attempt from one IP per minute (AUTH_RATE_LIMIT_PER_IP_PER_MINUTE=3) before checking the password', async () => {
    const app = await startTestApp({ AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    try {
      const username = uniqueUsername('victim');
      const tries = [];
      for (let i = 0; i < 4; i++)
        tries.push(await gql(app.url, LOGIN, { input: { username, password: `guess-${i}-xx` } }));
      expect(tries.slice(0, 3).map(errorCode)).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
      ]);
      expect(errorCode(tries[3])).toBe('RATE_LIMITED');
      const retryAfter = tries[3].errors?.[0].extensions?.['retryAfterSeconds'];
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      // Refused inside the API (200, a RATE_LIMITED error): the wait is also the standard header.
      expect(tries[3].headers.get('retry-after')).toBe(String(retryAfter));
      expect(tries[2].headers.get('retry-after')).toBeNull();
      // register shares the per-IP bucket
      const register = await gql(app.url, REGISTER, {
        input: { username: uniqueUsername('late'), password: 'password123' },
      });
      expect(errorCode(register)).toBe('RATE_LIMITED');
      expect(register.data).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('limits attempts on one username whatever the IP, case-insensitively, even with the right password', async () => {
    const app = await startTestApp({ AUTH_RATE_LIMIT_PER_USERNAME_PER_HOUR: '3' });
    try {
      const victim = await registerUser(app.url, 'target'); // attempt 1 on the name
      const fromIp = (ip: string, password: string) =>
        gql(
          app.url,
          LOGIN,
          { input: { username: victim.username.toUpperCase(), password } },
          undefined,
          // the test client is a trusted loopback proxy, so X-Forwarded-For is the client IP
          { 'x-forwarded-for': ip },
        );
      expect(errorCode(await fromIp('203.0.113.1', 'wrong-password'))).toBe('UNAUTHENTICATED');
      expect(errorCode(await fromIp('203.0.113.2', 'wrong-password'))).toBe('UNAUTHENTICATED');
      const blocked = await fromIp('203.0.113.3', 'correct horse battery');
      expect(errorCode(blocked)).toBe('RATE_LIMITED');
      // another username is unaffected
      const other = await registerUser(app.url, 'other');
      const ok = await gql(app.url, LOGIN, {
        input: { username: other.username, password: 'correct horse battery' },
      });
      expect(ok.data?.['login'].user.id).toBe(other.id);
    } finally {
      await app.close();
    }
  });
});

withRedis('rate limits shared through Redis (REDIS_URL)', () => {
  it('two API instances draw from one bucket per user', async () => {
    const a = await startTestApp({ REDIS_URL: redisUrl as string, API_RATE_LIMIT_PER_MINUTE: '4' });
    const b = await startTestApp({ REDIS_URL: redisUrl as string, API_RATE_LIMIT_PER_MINUTE: '4' });
    try {
      const user = await registerUser(a.url);
      const statuses = [];
      for (const target of [a, b, a, b, a])
        statuses.push((await gql(target.url, ME, {}, user.token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

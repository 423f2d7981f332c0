import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunningApp } from '../src/bootstrap';
import { errorCode, gql, LOGIN } from './support/graphql-client';
import { freePort, spawnServer, waitForHealth } from './support/process';
import { startTestApp } from './support/test-app';

const ALLOWED = 'https://app.example.com';

describe('HTTP security: helmet headers, CORS allowlist, CSRF prevention', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ CORS_ORIGINS: `${ALLOWED},https://partner.example.org` });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('sends helmet security headers and no X-Powered-By', async () => {
    const answer = await gql(url, '{ chatReactions }');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  it('answers CORS for an allowlisted origin only, exposing the rate-limit headers', async () => {
    const allowed = await gql(url, '{ chatReactions }', {}, undefined, { origin: ALLOWED });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');

    const other = await gql(url, '{ chatReactions }', {}, undefined, {
      origin: 'https://evil.example.net',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example.net',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const okPreflight = await fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(okPreflight.status).toBe(204);
    expect(okPreflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('refuses simple (CSRF-able) browser requests: GET without a preflight header, text/plain POST', async () => {
    const get = await fetch(`${url}/graphql?query=${encodeURIComponent('{ chatReactions }')}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/CSRF/i);
    const textPlain = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ chatReactions }' }),
    });
    expect(textPlain.status).toBeGreaterThanOrEqual(400);
    expect(textPlain.status).toBeLessThan(500);
    const allowedGet = await fetch(
      `${url}/graphql?query=${encodeURIComponent('{ chatReactions }')}`,
      { headers: { 'apollo-require-preflight': 'true' } },
    );
    expect(allowedGet.status).toBe(200);
  });

  it('never answers a bad body with a stack: malformed JSON is BAD_USER_INPUT', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(errorCode(body as never)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules/);
  });
});

describe('HTTP security in production (the built server)', () => {
  it('adds a Content-Security-Policy and never logs the JWT secret, passwords or tokens', async () => {
    const secret = 'production-secret-that-is-long-enough-0123456789abcdef';
    const adminPassword = 'admin-password-never-logged';
    const port = await freePort();
    const server = spawnServer({
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: process.env['TEST_DATABASE_URL'],
      DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-prod-')),
      JWT_SECRET: secret,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'debug',
      HLS_BASE_URL: 'https://cdn.example.com/live',
    });
    try {
      await waitForHealth(server, port);
      const base = `http://127.0.0.1:${port}`;
      const answer = await gql(base, '{ chatReactions }');
      expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      // The live player's HLS: from the CDN, through hls.js's worker.
      expect(answer.headers.get('content-security-policy')).toContain(
        "connect-src 'self' ws: wss: https://cdn.example.com;",
      );
      expect(answer.headers.get('content-security-policy')).toContain(
        "media-src 'self' blob: https://cdn.example.com;",
      );
      expect(answer.headers.get('content-security-policy')).toContain("worker-src 'self' blob:");
      const login = await gql(base, LOGIN, {
        input: { username: 'admin', password: adminPassword },
      });
      const token = login.data?.['login'].accessToken as string;
      expect(token).toBeTruthy();
      await gql(base, '{ me { id } }', {}, token);
      await gql(base, '{ me { id } }', {}, 'not-a-valid-token');
      await gql(base, LOGIN, { input: { username: 'admin', password: 'wrong-guess-123' } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const output = server.output();
      expect(output).toContain('"req"'); // request logs were written
      for (const leaked of [secret, adminPassword, 'wrong-guess-123', token, 'not-a-valid-token'])
        expect(output).not.toContain(leaked);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

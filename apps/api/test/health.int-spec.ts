import type { RunningApp } from '../src/bootstrap';
import { startTestApp } from './support/test-app';

describe('operations endpoints', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(() => running?.close());

  it('GET /health answers 200 with the database up, without a token', async () => {
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
  });

  it('GET /health/live answers 200', async () => {
    const response = await fetch(`${running.url}/health/live`);
    expect(response.status).toBe(200);
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one with a UUID', async () => {
    const kept = await fetch(`${running.url}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await fetch(`${running.url}/health`, {
      headers: { 'x-request-id': 'bad id\twith tab' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a malformed JSON body with a GraphQL-shaped BAD_USER_INPUT error', async () => {
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        { message: 'Request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } },
      ],
    });
  });

  it('blocks "simple" cross-site requests (CSRF prevention) with BAD_USER_INPUT', async () => {
    const simplePost = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    const simpleGet = await fetch(`${running.url}/graphql?query=%7Bme%7Bid%7D%7D`);
    for (const response of [simplePost, simpleGet]) {
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        errors: { message: string; extensions: { code: string } }[];
      };
      expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const withPreflightHeader = await fetch(`${running.url}/graphql?query=%7Bme%7Bid%7D%7D`, {
      headers: { 'apollo-require-preflight': '1' },
    });
    expect(await withPreflightHeader.json()).toEqual({ data: { me: null } });
  });
});

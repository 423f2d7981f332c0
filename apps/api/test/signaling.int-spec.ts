import { createHmac } from 'node:crypto';

import type { RunningApp } from '../src/bootstrap';
import { gql, registerUser } from './support/graphql-client';
import { startTestApp } from './support/test-app';

describe('signaling: ICE servers', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({
      STUN_URLS: 'stun:stun.finserve.test:3478',
      TURN_URLS: 'turn:turn.finserve.test:3478?transport=udp,turns:turn.finserve.test:5349',
      TURN_SECRET: 'coturn-static-auth-secret',
      TURN_TTL_SECONDS: '600',
    });
  });
  afterAll(() => running?.close());

  it('returns STUN and TURN with short-lived TURN REST credentials a coturn server accepts', async () => {
    const { token, id } = await registerUser(running.url, 'ice');
    const before = Math.floor(Date.now() / 1000);
    const response = await gql(
      running.url,
      '{ iceServers { urls username credential } }',
      {},
      token,
    );
    const [stun, turn] = response.data?.['iceServers'] as {
      urls: string[];
      username: string | null;
      credential: string | null;
    }[];
    expect(stun).toEqual({
      urls: ['stun:stun.finserve.test:3478'],
      username: null,
      credential: null,
    });
    expect(turn.urls).toEqual([
      'turn:turn.finserve.test:3478?transport=udp',
      'turns:turn.finserve.test:5349',
    ]);
    const [expiry, user] = (turn.username as string).split(':');
    expect(user).toBe(id);
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(599);
    expect(Number(expiry) - before).toBeLessThanOrEqual(601);
    expect(turn.credential).toBe(
      createHmac('sha1', 'coturn-static-auth-secret')
        .update(turn.username as string)
        .digest('base64'),
    );
    const anonymous = await gql(running.url, '{ iceServers { username } }');
    expect((anonymous.data?.['iceServers'] as { username: string | null }[])[1].username).toMatch(
      /^\d+:anonymous$/,
    );
  });
});

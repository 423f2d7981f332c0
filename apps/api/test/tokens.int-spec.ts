import { Client } from 'pg';

import type { RunningApp } from '../src/bootstrap';
import {
  errorCode,
  gql,
  LOGIN,
  loginAdmin,
  ME,
  REGISTER,
  uniqueUsername,
  wsConnect,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';

const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) {
    refreshToken(refreshToken: $token) {
      accessToken
      refreshToken
      user {
        id
      }
    }
  }
`;
const LOGOUT = /* GraphQL */ `
  mutation Logout($everywhere: Boolean) {
    logout(everywhere: $everywhere)
  }
`;
const BAN = /* GraphQL */ `
  mutation Ban($id: ID!, $reason: String) {
    banUser(userId: $id, reason: $reason) {
      id
    }
  }
`;
const UNBAN = /* GraphQL */ `
  mutation Unban($id: ID!) {
    unbanUser(userId: $id) {
      id
    }
  }
`;

interface Pair {
  accessToken: string;
  refreshToken: string;
}

async function signUp(url: string): Promise<Pair & { id: string; username: string }> {
  const username = uniqueUsername('tok');
  const answer = await gql(url, REGISTER.replace('accessToken', 'accessToken refreshToken'), {
    input: { username, password: PASSWORD },
  });
  const payload = answer.data?.['register'] as Pair & { user: { id: string } };
  return { ...payload, id: payload.user.id, username };
}

async function signIn(url: string, username: string): Promise<Pair> {
  const answer = await gql(url, LOGIN.replace('accessToken', 'accessToken refreshToken'), {
    input: { username, password: PASSWORD },
  });
  return answer.data?.['login'] as Pair;
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
    iat: number;
    exp: number;
    sid: string;
  };

describe('tokens: short-lived access tokens, refresh rotation, logout, bans', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ JWT_TTL: '15m', WS_AUTH_RECHECK_SECONDS: '1' });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('issues a 15-minute access token and a refresh token that rotates: each refresh gives a new working pair', async () => {
    const user = await signUp(url);
    const claims = claimsOf(user.accessToken);
    expect(claims.exp - claims.iat).toBe(900);
    const first = await gql(url, REFRESH, { token: user.refreshToken });
    expect(first.errors).toBeUndefined();
    const pair = first.data?.['refreshToken'] as Pair & { user: { id: string } };
    expect(pair.user.id).toBe(user.id);
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect(claimsOf(pair.accessToken).sid).toBe(claims.sid);
    expect((await gql(url, ME, {}, pair.accessToken)).data?.['me'].id).toBe(user.id);
    const second = await gql(url, REFRESH, { token: pair.refreshToken });
    expect(second.errors).toBeUndefined();
  });

  it('revokes the whole session when a rotated refresh token is reused (theft): every token of it stops working', async () => {
    const user = await signUp(url);
    const rotated = (await gql(url, REFRESH, { token: user.refreshToken })).data?.[
      'refreshToken'
    ] as Pair;
    const reuse = await gql(url, REFRESH, { token: user.refreshToken });
    expect(errorCode(reuse)).toBe('UNAUTHENTICATED');
    expect(reuse.errors?.[0].message).toMatch(/already used: the session is revoked/);
    expect(errorCode(await gql(url, REFRESH, { token: rotated.refreshToken }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorCode(await gql(url, ME, {}, rotated.accessToken))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, ME, {}, user.accessToken))).toBe('UNAUTHENTICATED');
    // signing in again starts a fresh session
    const again = await signIn(url, user.username);
    expect((await gql(url, ME, {}, again.accessToken)).data?.['me'].id).toBe(user.id);
  });

  it('refuses an unknown or malformed refresh token with UNAUTHENTICATED', async () => {
    for (const token of ['', 'nope', 'x'.repeat(43), 'x'.repeat(500)]) {
      const answer = await gql(url, REFRESH, { token });
      expect(['UNAUTHENTICATED', 'BAD_USER_INPUT']).toContain(errorCode(answer));
    }
  });

  it('logout revokes the session: its access and refresh tokens are refused and its socket is closed 4403, other sessions live on', async () => {
    const user = await signUp(url);
    const other = await signIn(url, user.username);
    const socket = wsConnect(url, user.accessToken);
    const otherSocket = wsConnect(url, other.accessToken);
    await Promise.all([socket.connected, otherSocket.connected]);

    const out = await gql(url, LOGOUT, {}, user.accessToken);
    expect(out.data?.['logout']).toBe(true);
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Signed out' });
    expect(errorCode(await gql(url, ME, {}, user.accessToken))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, REFRESH, { token: user.refreshToken }))).toBe(
      'UNAUTHENTICATED',
    );
    expect((await gql(url, ME, {}, other.accessToken)).data?.['me'].id).toBe(user.id);
    expect((await otherSocket.execute(ME)).data?.['me'].id).toBe(user.id);

    await gql(url, LOGOUT, { everywhere: true }, other.accessToken);
    expect((await otherSocket.closed).code).toBe(4403);
    expect(errorCode(await gql(url, ME, {}, other.accessToken))).toBe('UNAUTHENTICATED');
  });

  it('a platform-wide ban refuses the user on HTTP, closes their sockets, refuses sign-in and refresh, until unbanned', async () => {
    const admin = await loginAdmin(url);
    const user = await signUp(url);
    const socket = wsConnect(url, user.accessToken);
    await socket.connected;

    const notAdmin = await gql(url, BAN, { id: user.id }, user.accessToken);
    expect(errorCode(notAdmin)).toBe('FORBIDDEN');

    const banned = await gql(url, BAN, { id: user.id, reason: 'fraud' }, admin);
    expect(banned.data?.['banUser'].id).toBe(user.id);
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Account banned' });
    const refused = await gql(url, ME, {}, user.accessToken);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0].message).toBe('This account is banned');
    const login = await gql(url, LOGIN, { input: { username: user.username, password: PASSWORD } });
    expect(errorCode(login)).toBe('FORBIDDEN');
    expect(login.errors?.[0].message).toBe('This account is banned');
    expect(errorCode(await gql(url, REFRESH, { token: user.refreshToken }))).toBe(
      'UNAUTHENTICATED',
    );

    expect((await gql(url, UNBAN, { id: user.id }, admin)).errors).toBeUndefined();
    const back = await signIn(url, user.username);
    expect((await gql(url, ME, {}, back.accessToken)).data?.['me'].id).toBe(user.id);
  });

  it('an admin cannot be banned', async () => {
    const admin = await loginAdmin(url);
    const me = await gql(url, ME, {}, admin);
    const answer = await gql(url, BAN, { id: me.data?.['me'].id }, admin);
    expect(errorCode(answer)).toBe('FORBIDDEN');
  });

  it('a deleted user is refused on HTTP and their open socket is closed by the periodic re-check', async () => {
    const user = await signUp(url);
    const socket = wsConnect(url, user.accessToken);
    await socket.connected;
    const db = new Client({ connectionString: process.env['TEST_DATABASE_URL'] });
    await db.connect();
    try {
      await db.query('DELETE FROM users WHERE id = $1', [user.id]);
    } finally {
      await db.end();
    }
    expect(errorCode(await gql(url, ME, {}, user.accessToken))).toBe('UNAUTHENTICATED');
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden: sign in again' });
  });

  it('refuses a connection_init with a banned user’s token with 4403', async () => {
    const admin = await loginAdmin(url);
    const user = await signUp(url);
    await gql(url, BAN, { id: user.id }, admin);
    const socket = wsConnect(url, user.accessToken);
    expect((await socket.closed).code).toBe(4403);
  });
});

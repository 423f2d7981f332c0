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
import { startTestApp } from './support/test-app';

const UPDATE_PROFILE = /* GraphQL */ `
  mutation Update($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      displayName
    }
  }
`;

describe('auth: register, login, me over HTTP and graphql-ws', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterAll(() => running?.close());

  it('registers a user, returns a working access token, and defaults displayName to the username', async () => {
    const username = uniqueUsername('alice');
    const registered = await gql(url, REGISTER, { input: { username, password: 'password123' } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data?.['register'].user).toMatchObject({ username, displayName: username });
    const token = registered.data?.['register'].accessToken as string;

    const me = await gql(url, ME, {}, token);
    expect(me.data?.['me']).toEqual(registered.data?.['register'].user);
  });

  it('logs in case-insensitively by username and returns the same user', async () => {
    const username = uniqueUsername('Bob');
    const registered = await gql(url, REGISTER, {
      input: { username, password: 'password123', displayName: '  Bob the Trader  ' },
    });
    expect(registered.data?.['register'].user.displayName).toBe('Bob the Trader');
    const login = await gql(url, LOGIN, {
      input: { username: username.toUpperCase(), password: 'password123' },
    });
    expect(login.errors).toBeUndefined();
    expect(login.data?.['login'].user.id).toBe(registered.data?.['register'].user.id);
  });

  it('refuses a username that is taken in any letter case with CONFLICT', async () => {
    const username = uniqueUsername('carol');
    await gql(url, REGISTER, { input: { username, password: 'password123' } });
    const again = await gql(url, REGISTER, {
      input: { username: username.toUpperCase(), password: 'password456' },
    });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.data).toBeNull();
  });

  it('keeps exactly one user when the same username is registered concurrently', async () => {
    const username = uniqueUsername('race');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        gql(url, REGISTER, { input: { username, password: 'password123' } }),
      ),
    );
    expect(results.filter((r) => r.data?.['register']).length).toBe(1);
    expect(results.filter((r) => errorCode(r) === 'CONFLICT').length).toBe(4);
  });

  it.each([
    ['a too short username', { username: 'ab', password: 'password123' }, 'username'],
    ['a too long username', { username: 'x'.repeat(33), password: 'password123' }, 'username'],
    [
      'a username with forbidden characters',
      { username: 'bad name!', password: 'password123' },
      'username',
    ],
    ['a too short password', { username: 'validname', password: 'short' }, 'password'],
    ['a 300-character password', { username: 'validname', password: 'p'.repeat(300) }, 'password'],
    [
      'an empty displayName',
      { username: 'validname', password: 'password123', displayName: '   ' },
      'displayName',
    ],
    [
      'a displayName with control characters',
      { username: 'validname', password: 'password123', displayName: 'a\u0000b' },
      'displayName',
    ],
    ['an unknown field', { username: 'validname', password: 'password123', role: 'ADMIN' }, 'role'],
    ['a wrong type', { username: 42, password: 'password123' }, 'username'],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, and stores nothing',
    async (_name, input, field) => {
      const response = await gql(url, REGISTER, { input });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toContain(field);
      const login = await gql(url, LOGIN, {
        input: { username: 'validname', password: 'password123' },
      });
      expect(errorCode(login)).toBe('UNAUTHENTICATED');
    },
  );

  it('refuses a 1 MB request body with BAD_USER_INPUT in GraphQL shape (HTTP 413)', async () => {
    const response = await gql(url, REGISTER, {
      input: { username: 'validname', password: 'p'.repeat(1_000_000) },
    });
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toBe('Request body too large');
  });

  it('answers a wrong password and an unknown user alike, with UNAUTHENTICATED', async () => {
    const { username } = await registerUser(url, 'dave');
    const wrong = await gql(url, LOGIN, { input: { username, password: 'not-the-password' } });
    const unknown = await gql(url, LOGIN, {
      input: { username: uniqueUsername('nobody'), password: 'whatever1' },
    });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0].message).toBe(unknown.errors?.[0].message);
  });

  it('refuses a mutation without a token with UNAUTHENTICATED and changes nothing', async () => {
    const response = await gql(url, UPDATE_PROFILE, { input: { displayName: 'Mallory' } });
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.data).toBeNull();
  });

  it('lets a signed-in user change their display name', async () => {
    const { token, id } = await registerUser(url, 'erin');
    const response = await gql(url, UPDATE_PROFILE, { input: { displayName: ' Erin ' } }, token);
    expect(response.data?.['updateProfile']).toEqual({ id, displayName: 'Erin' });
  });

  it('treats an anonymous `me` as null and a bad or tampered token as UNAUTHENTICATED', async () => {
    const anonymous = await gql(url, ME);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data).toEqual({ me: null });

    const { token } = await registerUser(url, 'frank');
    const [header, payload] = token.split('.');
    const tampered = `${header}.${payload}.${'A'.repeat(43)}`;
    for (const bad of ['not-a-jwt', tampered]) {
      const response = await gql(url, ME, {}, bad);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses an expired token', async () => {
    const shortLived = await startTestApp({ JWT_TTL: '1' });
    try {
      const { token } = await registerUser(shortLived.url, 'gina');
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await gql(url, ME, {}, token);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
    } finally {
      await shortLived.close();
    }
  });

  describe('over graphql-ws', () => {
    it('runs register, login and me over the socket with the connection_init token', async () => {
      const anonymous = wsConnect(url);
      try {
        const username = uniqueUsername('wsuser');
        const registered = await anonymous.execute(REGISTER, {
          input: { username, password: 'password123' },
        });
        expect(registered.errors).toBeUndefined();
        const login = await anonymous.execute(LOGIN, {
          input: { username, password: 'password123' },
        });
        const token = (login.data as { login: { accessToken: string } }).login.accessToken;
        expect((await anonymous.execute(ME)).data).toEqual({ me: null });

        const signedIn = wsConnect(url, token);
        try {
          const me = await signedIn.execute(ME);
          expect((me.data as { me: { username: string } }).me.username).toBe(username);
        } finally {
          await signedIn.dispose();
        }
      } finally {
        await anonymous.dispose();
      }
    });

    it('closes the socket with 4403 when connection_init carries a bad token', async () => {
      const connection = wsConnect(url, 'bad-token');
      await expect(connection.connected).rejects.toThrow();
      const closed = await connection.closed;
      expect(closed.code).toBe(4403);
      await connection.dispose();
    });

    it('gives socket errors the same codes as HTTP (CONFLICT, BAD_USER_INPUT, UNAUTHENTICATED)', async () => {
      const { username } = await registerUser(url, 'henry');
      const connection = wsConnect(url);
      try {
        const taken = await connection.execute(REGISTER, {
          input: { username, password: 'password123' },
        });
        expect(errorCode(taken as never)).toBe('CONFLICT');
        const invalid = await connection.execute(REGISTER, {
          input: { username: 'x', password: 'password123' },
        });
        expect(errorCode(invalid as never)).toBe('BAD_USER_INPUT');
        const unauthenticated = await connection.execute(UPDATE_PROFILE, {
          input: { displayName: 'X' },
        });
        expect(errorCode(unauthenticated as never)).toBe('UNAUTHENTICATED');
        const syntax = await connection
          .execute('query { nope }')
          .catch((errors: unknown) => ({ errors }));
        expect(errorCode(syntax as never)).toBe('BAD_USER_INPUT');
      } finally {
        await connection.dispose();
      }
    });
  });
});

import { Client } from 'pg';

import type { RunningApp } from '../src/bootstrap';
import {
  errorCode,
  gql,
  liveStream,
  loginAdmin,
  ME,
  registerUser,
  subscribe,
  wsConnect,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const CREATE = /* GraphQL */ `
  mutation Create($input: CreatePersonalAccessTokenInput!) {
    createPersonalAccessToken(input: $input) {
      secret
      token {
        id
        name
        scopes
        createdAt
        lastUsedAt
        expiresAt
      }
    }
  }
`;
const LIST = /* GraphQL */ `
  query {
    myPersonalAccessTokens {
      id
      name
      scopes
      lastUsedAt
      expiresAt
    }
  }
`;
const REVOKE = /* GraphQL */ `
  mutation Revoke($id: ID!) {
    revokePersonalAccessToken(id: $id)
  }
`;
const SEND = /* GraphQL */ `
  mutation Send($s: ID!, $body: String!) {
    sendChatMessage(streamId: $s, body: $body) {
      id
      body
      author {
        id
      }
    }
  }
`;
const CHAT = /* GraphQL */ `
  subscription Chat($s: ID!) {
    chatMessage(streamId: $s) {
      id
      body
    }
  }
`;

interface Created {
  secret: string;
  token: { id: string; name: string; scopes: string[]; expiresAt: string | null };
}

describe('personal access tokens: scoped bearer tokens over HTTP and graphql-ws', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ WS_AUTH_RECHECK_SECONDS: '1' });
    url = running.url;
  });
  afterAll(() => running?.close());

  async function createPat(
    sessionToken: string,
    input: { name?: string; scopes: string[]; expiresInDays?: number },
  ): Promise<Created> {
    const answer = await gql(url, CREATE, { input: { name: 'bot', ...input } }, sessionToken);
    if (!answer.data?.['createPersonalAccessToken'])
      throw new Error(`create failed: ${JSON.stringify(answer.errors)}`);
    return answer.data['createPersonalAccessToken'] as Created;
  }

  async function sql<T>(text: string, params: unknown[]): Promise<T[]> {
    const db = new Client({ connectionString: process.env['TEST_DATABASE_URL'] });
    await db.connect();
    try {
      return (await db.query(text, params)).rows as T[];
    } finally {
      await db.end();
    }
  }

  it('creates a token shown once (fsl_pat_ prefix, only a SHA-256 stored), lists it and revokes it', async () => {
    const user = await registerUser(url, 'pat');
    const created = await createPat(user.token, {
      name: 'Chat bot',
      scopes: ['chat:write', 'profile:read'],
      expiresInDays: 30,
    });
    expect(created.secret).toMatch(/^fsl_pat_[A-Za-z0-9_-]{43}$/);
    expect(created.token.scopes).toEqual(['chat:write', 'profile:read']);
    const expires = new Date(created.token.expiresAt ?? 0).getTime() - Date.now();
    expect(Math.abs(expires - 30 * 86_400_000)).toBeLessThan(60_000);
    const [stored] = await sql<{ hex: string }>(
      `SELECT encode(token_hash, 'hex') AS hex FROM personal_access_tokens WHERE id = $1`,
      [created.token.id],
    );
    const { createHash } = await import('node:crypto');
    expect(stored.hex).toBe(createHash('sha256').update(created.secret).digest('hex'));

    const listed = await gql(url, LIST, {}, user.token);
    expect(listed.data?.['myPersonalAccessTokens']).toEqual([
      {
        id: created.token.id,
        name: 'Chat bot',
        scopes: ['chat:write', 'profile:read'],
        lastUsedAt: null,
        expiresAt: created.token.expiresAt,
      },
    ]);
    // The token works as its user, and its use is recorded.
    expect((await gql(url, ME, {}, created.secret)).data?.['me'].id).toBe(user.id);
    const used = await gql(url, LIST, {}, user.token);
    expect(used.data?.['myPersonalAccessTokens'][0].lastUsedAt).not.toBeNull();

    // Someone else cannot revoke it; its owner can, and then it is refused.
    const stranger = await registerUser(url, 'stranger');
    expect(errorCode(await gql(url, REVOKE, { id: created.token.id }, stranger.token))).toBe(
      'NOT_FOUND',
    );
    expect((await gql(url, REVOKE, { id: created.token.id }, user.token)).data).toEqual({
      revokePersonalAccessToken: true,
    });
    expect((await gql(url, LIST, {}, user.token)).data?.['myPersonalAccessTokens']).toEqual([]);
    expect(errorCode(await gql(url, ME, {}, created.secret))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, REVOKE, { id: created.token.id }, user.token))).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses unknown scopes, a bad lifetime and an empty name with BAD_USER_INPUT', async () => {
    const user = await registerUser(url, 'pat');
    for (const input of [
      { name: 'x', scopes: ['chat:write', 'admin'] },
      { name: 'x', scopes: [], expiresInDays: 0 },
      { name: 'x', scopes: [], expiresInDays: 366 },
      { name: '  ', scopes: [] },
    ]) {
      const answer = await gql(url, CREATE, { input }, user.token);
      expect({ input, code: errorCode(answer) }).toEqual({ input, code: 'BAD_USER_INPUT' });
    }
    expect((await gql(url, LIST, {}, user.token)).data?.['myPersonalAccessTokens']).toEqual([]);
  });

  it('a token with chat:write sends a chat message as its user over HTTP and over the socket', async () => {
    const { streamId } = await liveStream(url);
    const user = await registerUser(url, 'bot');
    const { secret } = await createPat(user.token, { scopes: ['chat:write'] });

    const overHttp = await gql(url, SEND, { s: streamId, body: 'hello over http' }, secret);
    expect(overHttp.errors).toBeUndefined();
    expect(overHttp.data?.['sendChatMessage'].author.id).toBe(user.id);

    const socket = wsConnect(url, secret);
    try {
      await socket.connected;
      const chat = subscribe<{ chatMessage: { body: string } }>(socket, CHAT, { s: streamId });
      const sent = await socket.execute<{ sendChatMessage: { author: { id: string } } }>(SEND, {
        s: streamId,
        body: 'hello over ws',
      });
      expect(sent.errors).toBeUndefined();
      expect(sent.data?.sendChatMessage.author.id).toBe(user.id);
      await chat.waitFor((value) => value.chatMessage.body === 'hello over ws');
    } finally {
      await socket.dispose();
    }
  });

  it('a token without the scope is FORBIDDEN with extensions.requiredScope, over HTTP and the socket', async () => {
    const { streamId } = await liveStream(url);
    const user = await registerUser(url, 'bot');
    const { secret } = await createPat(user.token, { scopes: ['profile:read'] });

    const refused = await gql(url, SEND, { s: streamId, body: 'no' }, secret);
    expect(refused.errors?.[0].extensions).toEqual({
      code: 'FORBIDDEN',
      requiredScope: 'chat:write',
    });
    const wallets = await gql(url, '{ myWallets { balanceCents } }', {}, secret);
    expect(wallets.errors?.[0].extensions).toMatchObject({ requiredScope: 'wallet:read' });
    // Public reads need no scope; profile:read gives `me`.
    expect((await gql(url, '{ liveStreams { id } }', {}, secret)).errors).toBeUndefined();
    expect((await gql(url, ME, {}, secret)).data?.['me'].id).toBe(user.id);

    const socket = wsConnect(url, secret);
    try {
      await socket.connected;
      const sent = await socket.execute(SEND, { s: streamId, body: 'no' });
      expect(sent.errors?.[0].extensions).toEqual({
        code: 'FORBIDDEN',
        requiredScope: 'chat:write',
      });
      const notifications = subscribe(socket, 'subscription { notificationReceived { id } }');
      await notifications.completed;
      expect((notifications.errors[0] as { extensions?: unknown }).extensions).toEqual({
        code: 'FORBIDDEN',
        requiredScope: 'notifications:read',
      });
    } finally {
      await socket.dispose();
    }
  });

  it('a token never manages tokens, changes the account or acts as an admin, whatever its scopes', async () => {
    const user = await registerUser(url, 'bot');
    const { secret } = await createPat(user.token, {
      scopes: ['profile:read', 'chat:write', 'chat:moderate', 'streams:write', 'wallet:read'],
    });
    for (const query of [
      'mutation { createPersonalAccessToken(input: { name: "more", scopes: [] }) { secret } }',
      '{ myPersonalAccessTokens { id } }',
      'mutation { updateProfile(input: { displayName: "Bot" }) { id } }',
      'mutation { logout }',
      'mutation { rotateStreamKey }',
    ]) {
      const answer = await gql(url, query, {}, secret);
      expect({ query, extensions: answer.errors?.[0].extensions }).toEqual({
        query,
        extensions: { code: 'FORBIDDEN', sessionRequired: true },
      });
    }
    const adminSession = await loginAdmin(url);
    const admin = await createPat(adminSession, { scopes: ['profile:read'] });
    const ban = await gql(
      url,
      'mutation B($id: ID!) { banUser(userId: $id) { id } }',
      { id: user.id },
      admin.secret,
    );
    expect(errorCode(ban)).toBe('FORBIDDEN');
    expect((await gql(url, ME, {}, secret)).data?.['me'].id).toBe(user.id);
  });

  it('revoking a token closes its open subscription socket at once; the user’s other sockets live on', async () => {
    const { streamId } = await liveStream(url);
    const user = await registerUser(url, 'bot');
    const first = await createPat(user.token, { scopes: [] });
    const second = await createPat(user.token, { scopes: [] });
    const revokedSocket = wsConnect(url, first.secret);
    const otherToken = wsConnect(url, second.secret);
    const session = wsConnect(url, user.token);
    try {
      await Promise.all([revokedSocket.connected, otherToken.connected, session.connected]);
      const chat = subscribe(revokedSocket, CHAT, { s: streamId });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(chat.errors).toEqual([]);
      const started = Date.now();
      await gql(url, REVOKE, { id: first.token.id }, user.token);
      expect(await revokedSocket.closed).toEqual({ code: 4403, reason: 'Token revoked' });
      expect(Date.now() - started).toBeLessThan(1000);
      // Still open: the user's other token and session.
      expect((await otherToken.execute('{ liveStreams { id } }')).errors).toBeUndefined();
      expect((await session.execute(ME)).data).toMatchObject({ me: { id: user.id } });
      // A new connection with the revoked token is refused.
      const again = wsConnect(url, first.secret);
      expect((await again.closed).code).toBe(4403);
    } finally {
      await Promise.all([revokedSocket, otherToken, session].map((s) => s.dispose()));
    }
  });

  it('banning the user stops their tokens at once, open sockets included', async () => {
    const user = await registerUser(url, 'bot');
    const { secret } = await createPat(user.token, { scopes: ['profile:read'] });
    const socket = wsConnect(url, secret);
    await socket.connected;
    const admin = await loginAdmin(url);
    await gql(url, 'mutation B($id: ID!) { banUser(userId: $id) { id } }', { id: user.id }, admin);
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Account banned' });
    expect(errorCode(await gql(url, ME, {}, secret))).toBe('FORBIDDEN');
  });

  it('a deleted user’s token is refused and its socket closed by the periodic re-check', async () => {
    const user = await registerUser(url, 'bot');
    const { secret } = await createPat(user.token, { scopes: ['profile:read'] });
    const socket = wsConnect(url, secret);
    await socket.connected;
    await sql('DELETE FROM users WHERE id = $1', [user.id]);
    expect(errorCode(await gql(url, ME, {}, secret))).toBe('UNAUTHENTICATED');
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden: sign in again' });
  });

  it('an expired token is refused over HTTP and at connection_init, and its open socket is closed', async () => {
    const user = await registerUser(url, 'bot');
    const { secret, token } = await createPat(user.token, {
      scopes: ['profile:read'],
      expiresInDays: 1,
    });
    const socket = wsConnect(url, secret);
    await socket.connected;
    await sql(
      `UPDATE personal_access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [token.id],
    );
    const expired = await gql(url, ME, {}, secret);
    expect(expired.errors?.[0]).toMatchObject({
      message: 'Token expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await socket.closed).code).toBe(4403);
    const again = wsConnect(url, secret);
    expect((await again.closed).code).toBe(4403);
  });

  it('a made-up token with the prefix is UNAUTHENTICATED, never an internal error', async () => {
    for (const secret of ['fsl_pat_', 'fsl_pat_nope', `fsl_pat_${'x'.repeat(5000)}`]) {
      const answer = await gql(url, ME, {}, secret);
      expect({ secret: secret.slice(0, 12), code: errorCode(answer) }).toEqual({
        secret: secret.slice(0, 12),
        code: 'UNAUTHENTICATED',
      });
    }
  });
});

import { DataSource } from 'typeorm';

import type { RunningApp } from '../src/bootstrap';
import {
  END_STREAM,
  errorCode,
  gql,
  liveStream,
  loginAdmin,
  registerUser,
  subscribe,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { startTestApp, suiteRedis } from './support/test-app';

const SEND = /* GraphQL */ `
  mutation Send($streamId: ID!, $body: String!) {
    sendChatMessage(streamId: $streamId, body: $body) {
      id
      streamId
      body
      type
      deleted
      createdAt
      author {
        id
        username
      }
    }
  }
`;
const HISTORY = /* GraphQL */ `
  query History($streamId: ID!, $after: ID, $limit: Int) {
    chatMessages(streamId: $streamId, after: $after, limit: $limit) {
      id
      body
      type
      deleted
      author {
        id
      }
    }
  }
`;
const CHAT_SUBSCRIPTION = /* GraphQL */ `
  subscription Chat($streamId: ID!) {
    chatMessage(streamId: $streamId) {
      id
      body
      type
      deleted
      author {
        id
      }
    }
  }
`;

type Message = {
  id: string;
  body: string;
  type: string;
  deleted: boolean;
  author: { id: string } | null;
};
type Received = { chatMessage: Message };

const userMessages = (messages: Message[]) => messages.filter((m) => m.type !== 'ALERT');

describe('chat', () => {
  let running: RunningApp;
  let url: string;
  let adminToken: string;
  const connections: WsConnection[] = [];
  const connect = (token?: string) => {
    const connection = wsConnect(url, token);
    connections.push(connection);
    return connection;
  };
  const history = async (streamId: string, after?: string, limit?: number): Promise<Message[]> => {
    const response = await gql(url, HISTORY, { streamId, after, limit });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data?.['chatMessages'] as Message[];
  };
  /** Sends and returns the message; waits past the rate limit when needed. */
  const send = async (token: string, streamId: string, body: string): Promise<Message> => {
    for (;;) {
      const response = await gql(url, SEND, { streamId, body }, token);
      if (errorCode(response) === 'RATE_LIMITED') {
        await new Promise((resolve) => setTimeout(resolve, 350));
        continue;
      }
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data?.['sendChatMessage'] as Message;
    }
  };

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
    adminToken = await loginAdmin(url);
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => running?.close());

  it('delivers a message to every subscriber, stores it, and posts ALERTs for stream start and end', async () => {
    const { streamer, streamId } = await liveStream(url, 'chatty');
    const trader = await registerUser(url, 'trader');
    const subscribers = [
      subscribe<Received>(connect(), CHAT_SUBSCRIPTION, { streamId }),
      subscribe<Received>(connect(trader.token), CHAT_SUBSCRIPTION, { streamId }),
      subscribe<Received>(connect(streamer.token), CHAT_SUBSCRIPTION, { streamId }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = await send(
      trader.token,
      streamId,
      '  long <b>EURUSD</b> at 1.0850\nstop 1.0820  ',
    );
    expect(sent).toMatchObject({
      body: 'long <b>EURUSD</b> at 1.0850\nstop 1.0820',
      type: 'TEXT',
      deleted: false,
      author: { id: trader.id },
    });
    for (const subscriber of subscribers) {
      const received = await subscriber.waitFor((m) => m.chatMessage.id === sent.id);
      expect(received.chatMessage.body).toBe(sent.body);
    }
    const emoji = await send(trader.token, streamId, '🚀📈');
    expect(emoji.type).toBe('EMOJI');

    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    const all = await history(streamId);
    expect(all.map((m) => [m.type, m.type === 'ALERT' ? m.body : m.id])).toEqual([
      ['ALERT', 'The stream is live'],
      ['TEXT', sent.id],
      ['EMOJI', emoji.id],
      ['ALERT', 'The stream has ended'],
    ]);
    expect(all.find((m) => m.type === 'ALERT')?.author).toBeNull();
  });

  it('returns history with and without a cursor, oldest first', async () => {
    const { streamId } = await liveStream(url, 'history');
    const trader = await registerUser(url, 'hist');
    const sent: Message[] = [];
    for (let i = 1; i <= 7; i++) sent.push(await send(trader.token, streamId, `message ${i}`));
    const ids = sent.map((m) => m.id);
    expect(userMessages(await history(streamId)).map((m) => m.id)).toEqual(ids);
    expect((await history(streamId, undefined, 3)).map((m) => m.id)).toEqual(ids.slice(4));
    expect((await history(streamId, ids[2])).map((m) => m.id)).toEqual(ids.slice(3));
    expect((await history(streamId, ids[2], 2)).map((m) => m.id)).toEqual(ids.slice(3, 5));
    expect(await history(streamId, ids[6])).toEqual([]);
    expect(errorCode(await gql(url, HISTORY, { streamId, after: 'abc' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(url, HISTORY, { streamId, limit: 0 }))).toBe('BAD_USER_INPUT');
    expect(
      errorCode(await gql(url, HISTORY, { streamId: '00000000-0000-4000-8000-000000000000' })),
    ).toBe('NOT_FOUND');
  });

  it("replays a stream's chat by time range and pages, oldest first, without removed messages, for anonymous users too", async () => {
    const REPLAY = /* GraphQL */ `
      query Replay($streamId: ID!, $from: DateTime, $to: DateTime, $after: ID, $limit: Int) {
        chatReplay(streamId: $streamId, from: $from, to: $to, after: $after, limit: $limit) {
          id
          body
          type
          deleted
          createdAt
        }
      }
    `;
    type Replayed = Message & { createdAt: string };
    const replay = async (variables: Record<string, unknown>): Promise<Replayed[]> => {
      const response = await gql(url, REPLAY, variables);
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data?.['chatReplay'] as Replayed[];
    };
    const { streamer, streamId } = await liveStream(url, 'replayed');
    const trader = await registerUser(url, 'replayer');
    const sent: (Message & { createdAt: string })[] = [];
    for (let i = 1; i <= 6; i++) {
      sent.push(
        (await send(trader.token, streamId, `said ${i}`)) as Message & { createdAt: string },
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const removed = sent[2];
    expect(
      (
        await gql(
          url,
          `mutation($id: ID!) { deleteChatMessage(messageId: $id) { id } }`,
          { id: removed.id },
          streamer.token,
        )
      ).errors,
    ).toBeUndefined();
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    const kept = sent.filter((m) => m.id !== removed.id).map((m) => m.id);

    // Whole chat (no token): in order, the removed one left out, ALERTs kept.
    const all = await replay({ streamId });
    expect(all.every((m) => !m.deleted)).toBe(true);
    expect(all.map((m) => m.id)).not.toContain(removed.id);
    expect(userMessages(all).map((m) => m.id)).toEqual(kept);
    expect(all.at(0)).toMatchObject({ type: 'ALERT', body: 'The stream is live' });
    // A range: [from, to) of the messages' own times.
    const range = await replay({ streamId, from: sent[1].createdAt, to: sent[4].createdAt });
    expect(range.map((m) => m.id)).toEqual([sent[1].id, sent[3].id]);
    // Paging with after, and a limit.
    const first = await replay({ streamId, from: sent[0].createdAt, limit: 2 });
    expect(first.map((m) => m.id)).toEqual([sent[0].id, sent[1].id]);
    const next = await replay({ streamId, from: sent[0].createdAt, after: first[1].id, limit: 2 });
    expect(next.map((m) => m.id)).toEqual([sent[3].id, sent[4].id]);
    // Bad input is refused with a contract code.
    const code = async (variables: Record<string, unknown>) =>
      errorCode(await gql(url, REPLAY, { streamId, ...variables }));
    expect(await code({ from: sent[4].createdAt, to: sent[1].createdAt })).toBe('BAD_USER_INPUT');
    expect(await code({ limit: 501 })).toBe('BAD_USER_INPUT');
    expect(await code({ limit: 0 })).toBe('BAD_USER_INPUT');
    expect(await code({ after: 'abc' })).toBe('BAD_USER_INPUT');
    expect(await code({ from: 'yesterday' })).toBe('BAD_USER_INPUT');
    expect(await code({ streamId: '00000000-0000-4000-8000-000000000000' })).toBe('NOT_FOUND');
  });

  it('lets a subscriber that was away for 20 messages catch up with exactly those 20, in order', async () => {
    const { streamId } = await liveStream(url, 'catchup');
    const senders = [await registerUser(url, 's1'), await registerUser(url, 's2')];
    const away = connect();
    const before = subscribe<Received>(away, CHAT_SUBSCRIPTION, { streamId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await send(senders[0].token, streamId, 'before the gap');
    await before.waitFor((m) => m.chatMessage.id === first.id);
    const lastSeen = before.values.at(-1)?.chatMessage.id as string;
    await away.dispose();

    // 20 messages from two senders, sent concurrently in pairs, while the subscriber is away.
    const missed: Message[] = [];
    for (let i = 0; i < 10; i++) {
      missed.push(
        ...(await Promise.all(senders.map((s, k) => send(s.token, streamId, `missed ${i}-${k}`)))),
      );
    }
    const back = subscribe<Received>(connect(), CHAT_SUBSCRIPTION, { streamId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const caughtUp = await history(streamId, lastSeen, 100);
    expect(caughtUp).toHaveLength(20);
    expect(new Set(caughtUp.map((m) => m.id))).toEqual(new Set(missed.map((m) => m.id)));
    const numeric = caughtUp.map((m) => BigInt(m.id));
    expect([...numeric].sort((a, b) => (a < b ? -1 : 1))).toEqual(numeric);
    // And live delivery resumes after the catch-up.
    const next = await send(senders[0].token, streamId, 'after the catch-up');
    await back.waitFor((m) => m.chatMessage.id === next.id);
  });

  it('rate limits a burst of 6 in one second to 3, with retryAfterSeconds for the rest', async () => {
    const { streamId } = await liveStream(url, 'burst');
    const spammer = await registerUser(url, 'burst');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        gql(url, SEND, { streamId, body: `spam ${i}` }, spammer.token),
      ),
    );
    expect(results.filter((r) => r.data?.['sendChatMessage'])).toHaveLength(3);
    const limited = results.filter((r) => errorCode(r) === 'RATE_LIMITED');
    expect(limited).toHaveLength(3);
    for (const response of limited)
      expect(response.errors?.[0].extensions?.['retryAfterSeconds']).toBe(1);
    expect(userMessages(await history(streamId))).toHaveLength(3);
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t '],
    ['501 characters', 'x'.repeat(501)],
    ['zero-width only', '\u200b\u200c\u200d'],
    ['NUL', 'hi\u0000there'],
    ['escape sequence', '\u001b[2Jboom'],
    ['carriage return', 'a\rb'],
    ['lone surrogate', 'bad \ud83d'],
  ])('refuses a %s body with BAD_USER_INPUT and stores nothing', async (_name, body) => {
    const { streamId } = await liveStream(url, 'bad-body');
    const sender = await registerUser(url, 'bad');
    const response = await gql(url, SEND, { streamId, body }, sender.token);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(userMessages(await history(streamId))).toEqual([]);
  });

  it('accepts 500 emoji (500 code points, 1000 UTF-16 units) as EMOJI', async () => {
    const { streamId } = await liveStream(url, 'long-emoji');
    const sender = await registerUser(url, 'emoji');
    const message = await send(sender.token, streamId, '😀'.repeat(500));
    expect(message.type).toBe('EMOJI');
  });

  it('refuses messages without a token, on an ENDED stream and on an unknown stream', async () => {
    const { streamer, streamId } = await liveStream(url, 'closed');
    const sender = await registerUser(url, 'late');
    expect(errorCode(await gql(url, SEND, { streamId, body: 'hi' }))).toBe('UNAUTHENTICATED');
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    expect(errorCode(await gql(url, SEND, { streamId, body: 'too late' }, sender.token))).toBe(
      'CONFLICT',
    );
    expect(
      errorCode(
        await gql(
          url,
          SEND,
          { streamId: '00000000-0000-4000-8000-000000000000', body: 'x' },
          sender.token,
        ),
      ),
    ).toBe('NOT_FOUND');
    expect(userMessages(await history(streamId))).toEqual([]);
  });

  describe('moderation', () => {
    const DELETE = `mutation($id: ID!) { deleteChatMessage(messageId: $id) { id body deleted } }`;
    const TIMEOUT = `mutation($s: ID!, $u: ID!, $n: Int!) { timeoutChatUser(streamId: $s, userId: $u, seconds: $n) { action targetUser { id } moderator { id } } }`;
    const BAN = `mutation($s: ID!, $u: ID!) { banChatUser(streamId: $s, userId: $u) { action } }`;
    const UNBAN = `mutation($s: ID!, $u: ID!) { unbanChatUser(streamId: $s, userId: $u) { action } }`;
    const SLOW = `mutation($s: ID!, $n: Int!) { setChatSlowMode(streamId: $s, seconds: $n) { slowModeSeconds } }`;
    const TERMS = `mutation($s: ID!, $t: [String!]!) { setChatBlockedTerms(streamId: $s, terms: $t) { blockedTerms } }`;
    const LOG = `query($s: ID!) { chatModerationLog(streamId: $s) { action details messageId moderator { id } targetUser { id } } }`;

    it('deletes a message: re-published as deleted, kept in history without its body, ALERT posted, recorded', async () => {
      const { streamer, streamId } = await liveStream(url, 'mod-delete');
      const trader = await registerUser(url, 'rude');
      const watcher = subscribe<Received>(connect(), CHAT_SUBSCRIPTION, { streamId });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rude = await send(trader.token, streamId, 'something rude');
      const deleted = await gql(url, DELETE, { id: rude.id }, streamer.token);
      expect(deleted.data?.['deleteChatMessage']).toEqual({ id: rude.id, body: '', deleted: true });
      const update = await watcher.waitFor(
        (m) => m.chatMessage.id === rude.id && m.chatMessage.deleted,
      );
      expect(update.chatMessage.body).toBe('');
      const stored = (await history(streamId)).find((m) => m.id === rude.id);
      expect(stored).toMatchObject({ deleted: true, body: '' });
      expect((await history(streamId)).at(-1)).toMatchObject({
        type: 'ALERT',
        body: 'A message was removed by a moderator',
      });
      const log = await gql(url, LOG, { s: streamId }, streamer.token);
      expect(log.data?.['chatModerationLog'][0]).toEqual({
        action: 'DELETE_MESSAGE',
        details: null,
        messageId: rude.id,
        moderator: { id: streamer.id },
        targetUser: { id: trader.id },
      });
    });

    it('times out a user (FORBIDDEN with reason and retryAfterSeconds), bans and unbans', async () => {
      const { streamer, streamId } = await liveStream(url, 'mod-ban');
      const trader = await registerUser(url, 'spammer');
      const timedOut = await gql(
        url,
        TIMEOUT,
        { s: streamId, u: trader.id, n: 120 },
        streamer.token,
      );
      expect(timedOut.data?.['timeoutChatUser']).toEqual({
        action: 'TIMEOUT',
        targetUser: { id: trader.id },
        moderator: { id: streamer.id },
      });
      const refused = await gql(url, SEND, { streamId, body: 'let me talk' }, trader.token);
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(refused.errors?.[0].extensions).toMatchObject({ reason: 'TIMED_OUT' });
      expect(refused.errors?.[0].extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(119);
      expect(refused.errors?.[0].extensions?.['retryAfterSeconds']).toBeLessThanOrEqual(120);

      await gql(url, BAN, { s: streamId, u: trader.id }, adminToken);
      const banned = await gql(url, SEND, { streamId, body: 'still here' }, trader.token);
      expect(errorCode(banned)).toBe('FORBIDDEN');
      expect(banned.errors?.[0].extensions).toMatchObject({ reason: 'BANNED' });
      expect(banned.errors?.[0].extensions?.['retryAfterSeconds']).toBeUndefined();

      await gql(url, UNBAN, { s: streamId, u: trader.id }, streamer.token);
      expect((await send(trader.token, streamId, 'thanks')).body).toBe('thanks');
      const alerts = (await history(streamId)).filter((m) => m.type === 'ALERT').map((m) => m.body);
      expect(alerts).toEqual(
        expect.arrayContaining([
          expect.stringContaining('timed out for 120 seconds'),
          expect.stringContaining('was banned'),
          expect.stringContaining('may chat again'),
        ]),
      );
      const log = await gql(url, LOG, { s: streamId }, streamer.token);
      expect(log.data?.['chatModerationLog'].map((a: { action: string }) => a.action)).toEqual([
        'UNBAN',
        'BAN',
        'TIMEOUT',
      ]);
      // The streamer cannot be banned from their own chat.
      expect(errorCode(await gql(url, BAN, { s: streamId, u: streamer.id }, adminToken))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('reads an upper-case id as the same id: the streamer cannot be banned by spelling it differently', async () => {
      const { streamer, streamId } = await liveStream(url, 'mod-case');
      const trader = await registerUser(url, 'casey');
      for (const u of [streamer.id.toUpperCase(), streamer.id]) {
        expect(errorCode(await gql(url, BAN, { s: streamId.toUpperCase(), u }, adminToken))).toBe(
          'BAD_USER_INPUT',
        );
      }
      // An upper-case id names the same user: banned by one spelling, refused under the other.
      await gql(url, BAN, { s: streamId.toUpperCase(), u: trader.id.toUpperCase() }, adminToken);
      const banned = await gql(url, SEND, { streamId, body: 'hi' }, trader.token);
      expect(banned.errors?.[0].extensions).toMatchObject({ reason: 'BANNED' });
      // Not ids at all: refused before any service runs.
      for (const s of [`${streamId} `, streamId.replace(/-/g, ''), '0', '-1', 'DROP', '1e3']) {
        expect(errorCode(await gql(url, BAN, { s, u: trader.id }, adminToken))).toBe(
          'BAD_USER_INPUT',
        );
      }
      expect(errorCode(await gql(url, HISTORY, { streamId: streamId.toUpperCase() }))).toBe(
        undefined,
      );
    });

    it('refuses every moderation action to anyone but the streamer or an admin (FORBIDDEN)', async () => {
      const { streamId } = await liveStream(url, 'mod-authz');
      const trader = await registerUser(url, 'victim');
      const other = await registerUser(url, 'wannabe');
      const message = await send(trader.token, streamId, 'hello');
      const attempts = [
        gql(url, DELETE, { id: message.id }, other.token),
        gql(url, TIMEOUT, { s: streamId, u: trader.id, n: 60 }, other.token),
        gql(url, BAN, { s: streamId, u: trader.id }, other.token),
        gql(url, UNBAN, { s: streamId, u: trader.id }, other.token),
        gql(url, SLOW, { s: streamId, n: 10 }, other.token),
        gql(url, TERMS, { s: streamId, t: ['x'] }, other.token),
        gql(url, LOG, { s: streamId }, other.token),
      ];
      for (const response of await Promise.all(attempts))
        expect(errorCode(response)).toBe('FORBIDDEN');
      for (const response of await Promise.all([
        gql(url, DELETE, { id: message.id }),
        gql(url, SLOW, { s: streamId, n: 10 }),
      ])) {
        expect(errorCode(response)).toBe('UNAUTHENTICATED');
      }
      expect((await history(streamId)).find((m) => m.id === message.id)?.deleted).toBe(false);
    });

    it('holds slow mode (one message per user per N seconds; moderators exempt) and blocked terms', async () => {
      const { streamer, streamId } = await liveStream(url, 'mod-slow');
      const trader = await registerUser(url, 'slowpoke');
      expect(
        (await gql(url, SLOW, { s: streamId, n: 30 }, streamer.token)).data?.['setChatSlowMode'],
      ).toEqual({ slowModeSeconds: 30 });
      await send(trader.token, streamId, 'first');
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the per-second limit
      const second = await gql(url, SEND, { streamId, body: 'second' }, trader.token);
      expect(errorCode(second)).toBe('RATE_LIMITED');
      expect(second.errors?.[0].extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(29);
      await send(streamer.token, streamId, 'the streamer may talk');
      await send(streamer.token, streamId, 'and talk again');
      await gql(url, SLOW, { s: streamId, n: 0 }, streamer.token);

      const terms = await gql(
        url,
        TERMS,
        { s: streamId, t: ['Pump Group', 'scam'] },
        streamer.token,
      );
      expect(terms.data?.['setChatBlockedTerms']).toEqual({ blockedTerms: ['pump group', 'scam'] });
      const blocked = await gql(
        url,
        SEND,
        { streamId, body: 'join my PUMP GROUP now' },
        trader.token,
      );
      expect(errorCode(blocked)).toBe('BAD_USER_INPUT');
      expect((await send(trader.token, streamId, 'a fine message')).body).toBe('a fine message');
      const stored = userMessages(await history(streamId)).map((m) => m.body);
      expect(stored).not.toContain('second');
      expect(stored).not.toContain('join my PUMP GROUP now');
      expect(errorCode(await gql(url, SLOW, { s: streamId, n: 3601 }, streamer.token))).toBe(
        'BAD_USER_INPUT',
      );
    });
  });

  it('counts user messages (TEXT and EMOJI, not ALERT) in the stream stats', async () => {
    const { streamId } = await liveStream(url, 'counted');
    const trader = await registerUser(url, 'counter');
    await send(trader.token, streamId, 'one');
    await send(trader.token, streamId, '👍');
    const stats = await gql(url, `query($id: ID!) { stream(id: $id) { stats { messageCount } } }`, {
      id: streamId,
    });
    expect(stats.data?.['stream'].stats.messageCount).toBe(2);
    const [{ alerts }] = await running.app
      .get(DataSource)
      .query<{ alerts: number }[]>(
        `SELECT count(*)::int AS alerts FROM chat_messages WHERE stream_id = $1 AND type = 'ALERT'`,
        [streamId],
      );
    expect(alerts).toBe(1);
  });
});

// Needs a real Redis (see global-setup.ts); CI always provides one.
const withRedis = process.env['TEST_REDIS_URL'] ? describe : describe.skip;

withRedis('chat rate limit shared through Redis', () => {
  const apps: RunningApp[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it("counts one user's messages on two API instances against one bucket", async () => {
    for (let i = 0; i < 2; i++)
      apps.push(
        await startTestApp({
          // A Redis database of its own (suites run side by side: tools/test.mjs).
          REDIS_URL: suiteRedis(process.env['TEST_REDIS_URL'], 3),
        }),
      );
    const [a, b] = apps.map((app) => app.url);
    const { streamId } = await liveStream(a, 'redis');
    const sender = await registerUser(a, 'shared');
    const results = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) =>
        gql(a, SEND, { streamId, body: `a${i}` }, sender.token),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        gql(b, SEND, { streamId, body: `b${i}` }, sender.token),
      ),
    ]);
    expect(results.filter((r) => r.data?.['sendChatMessage'])).toHaveLength(3);
    expect(results.filter((r) => errorCode(r) === 'RATE_LIMITED')).toHaveLength(3);
  });
});

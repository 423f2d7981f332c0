import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { verifyLedger } from '@finserve/api/tips';

import type { RunningApp } from '../src/bootstrap';
import {
  END_STREAM,
  errorCode,
  eventually,
  gql,
  liveStream,
  loginAdmin,
  registerUser,
  subscribe,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const SEND_TIP = /* GraphQL */ `
  mutation Tip($input: SendTipInput!) {
    sendTip(input: $input) {
      id
      streamId
      amountCents
      currency
      platformFeeCents
      netCents
      message
      createdAt
      from {
        id
      }
      to {
        id
      }
    }
  }
`;
const CREDIT = /* GraphQL */ `
  mutation Credit($input: CreditWalletInput!) {
    creditWallet(input: $input) {
      currency
      balanceCents
    }
  }
`;
const WALLETS = /* GraphQL */ `
  {
    myWallets {
      currency
      balanceCents
    }
  }
`;

type Tip = {
  id: string;
  amountCents: number;
  platformFeeCents: number;
  netCents: number;
  from: { id: string };
  to: { id: string };
};

describe('tips and wallets', () => {
  let running: RunningApp;
  let url: string;
  let adminToken: string;
  const connections: WsConnection[] = [];

  const balance = async (token: string, currency = 'USD'): Promise<number> => {
    const response = await gql(url, WALLETS, {}, token);
    return (
      (response.data?.['myWallets'] as { currency: string; balanceCents: number }[]).find(
        (w) => w.currency === currency,
      )?.balanceCents ?? -1
    );
  };
  const credit = async (userId: string, amountCents: number, reference: string = randomUUID()) =>
    gql(url, CREDIT, { input: { userId, amountCents, reference } }, adminToken);
  const tip = (token: string, input: Record<string, unknown>) =>
    gql<{ sendTip: Tip }>(
      url,
      SEND_TIP,
      { input: { idempotencyKey: randomUUID(), ...input } },
      token,
    );
  /** A funded tipper and a LIVE stream of someone else. */
  const setup = async (funds: number) => {
    const stream = await liveStream(url, 'tipped');
    const tipper = await registerUser(url, 'tipper');
    if (funds > 0) await credit(tipper.id, funds);
    return { ...stream, tipper };
  };

  beforeAll(async () => {
    running = await startTestApp({ TIP_RATE_LIMIT_PER_MINUTE: '1000' });
    url = running.url;
    adminToken = await loginAdmin(url);
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
    // The same check as `npm run db:verify`, after every test.
    expect(await verifyLedger(running.app.get(DataSource), 500)).toEqual([]);
  });
  afterAll(() => running?.close());

  it.each([
    [1000, 50, 950],
    [990, 50, 940],
    [1010, 51, 959],
  ])('a tip of %i cents pays a fee of %i and the streamer %i', async (amountCents, fee, net) => {
    const { streamer, streamId, tipper } = await setup(5000);
    const response = await tip(tipper.token, { streamId, amountCents, message: 'great call' });
    expect(response.errors).toBeUndefined();
    expect(response.data?.sendTip).toMatchObject({
      amountCents,
      platformFeeCents: fee,
      netCents: net,
      currency: 'USD',
      from: { id: tipper.id },
      to: { id: streamer.id },
    });
    expect(await balance(tipper.token)).toBe(5000 - amountCents);
    expect(await balance(streamer.token)).toBe(net);
  });

  it('returns the first tip for a repeated key and moves no money again, also when 20 identical calls race', async () => {
    const { streamId, tipper, streamer } = await setup(10_000);
    const input = { streamId, amountCents: 500, idempotencyKey: randomUUID() };
    const first = await tip(tipper.token, input);
    const again = await tip(tipper.token, input);
    expect(again.data?.sendTip.id).toBe(first.data?.sendTip.id);

    const racingKey = randomUUID();
    const racing = await Promise.all(
      Array.from({ length: 20 }, () => tip(tipper.token, { ...input, idempotencyKey: racingKey })),
    );
    expect(racing.every((r) => r.errors === undefined)).toBe(true);
    expect(new Set(racing.map((r) => r.data?.sendTip.id)).size).toBe(1);
    expect(await balance(tipper.token)).toBe(10_000 - 500 - 500);
    expect(await balance(streamer.token)).toBe(2 * 475);

    const different = await tip(tipper.token, { ...input, amountCents: 600 });
    expect(errorCode(different)).toBe('CONFLICT');
    const otherStream = await liveStream(url, 'other');
    expect(errorCode(await tip(tipper.token, { ...input, streamId: otherStream.streamId }))).toBe(
      'CONFLICT',
    );
  });

  it('lets exactly 5 of 12 concurrent $1 tips through on a $5 balance, leaving 0 and never going negative', async () => {
    const { streamId, tipper, streamer } = await setup(500);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => tip(tipper.token, { streamId, amountCents: 100 })),
    );
    expect(results.filter((r) => r.data?.sendTip)).toHaveLength(5);
    expect(results.filter((r) => errorCode(r) === 'INSUFFICIENT_FUNDS')).toHaveLength(7);
    expect(await balance(tipper.token)).toBe(0);
    expect(await balance(streamer.token)).toBe(5 * 95);
  });

  it("moves concurrent tips into one stream in batches (group commit): one transaction waits for the streamer's wallet, not one per tip; a batch commits all its tips at once; each tip keeps its own answer", async () => {
    const { streamId, streamer, tipper } = await setup(1000);
    // The streamer's wallet exists once a first tip reached it.
    expect((await tip(tipper.token, { streamId, amountCents: 100 })).errors).toBeUndefined();
    const users = await Promise.all(
      Array.from({ length: 14 }, async (_, index) => {
        const user = await registerUser(url, 'batched');
        if (index < 11) await credit(user.id, 1000);
        return user;
      }),
    );
    // users[0..9] funded, users[10] funded and sent last, users[11..13] without funds.
    const last = users[10];
    const first = [...users.slice(0, 10), ...users.slice(11)];
    const dataSource = running.app.get(DataSource);
    const streamerWallet = dataSource.createQueryRunner();
    const lastWallet = dataSource.createQueryRunner();
    const waitingForLocks = async (): Promise<number> => {
      const [row] = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return row.n;
    };
    const holdWallet = async (holder: typeof streamerWallet, userId: string) => {
      await holder.connect();
      await holder.startTransaction();
      await holder.query(
        `SELECT 1 FROM accounts WHERE kind = 'WALLET' AND user_id = $1 AND currency = 'USD' FOR UPDATE`,
        [userId],
      );
    };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const settled = new Set<number>();
    const track = (promise: ReturnType<typeof tip>, index: number) =>
      promise.finally(() => settled.add(index));
    try {
      await holdWallet(streamerWallet, streamer.id);
      // Batch 1: one tip, blocked on the streamer's wallet.
      const alone = tip(tipper.token, { streamId, amountCents: 100 });
      await eventually(async () => ((await waitingForLocks()) > 0 ? true : undefined), 10_000);
      // 13 more arrive while it waits: unbatched, each would now wait in its own transaction.
      const queued = first.map((user, index) =>
        track(tip(user.token, { streamId, amountCents: 500 }), index),
      );
      await pause(1_500);
      expect(await waitingForLocks()).toBe(1);
      // The last tipper's own wallet is held too, and its tip queued behind the 13.
      await holdWallet(lastWallet, last.id);
      const lastTip = tip(last.token, { streamId, amountCents: 500 });
      await pause(500);
      await streamerWallet.commitTransaction();
      expect((await alone).errors).toBeUndefined();
      // Batch 2 (the 13 and the last) moved the 13 and now waits for the last one's wallet:
      // none of the 13 is answered, since they commit together.
      await eventually(async () => ((await waitingForLocks()) > 0 ? true : undefined), 10_000);
      await pause(1_000);
      expect(settled.size).toBe(0);
      await lastWallet.commitTransaction();
      const results = await Promise.all([...queued, lastTip]);
      const ids = results.flatMap((result) => (result.data ? [result.data.sendTip.id] : []));
      expect(new Set(ids).size).toBe(11);
      expect(results.filter((result) => errorCode(result) === 'INSUFFICIENT_FUNDS')).toHaveLength(
        3,
      );
    } finally {
      for (const holder of [streamerWallet, lastWallet]) {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
    }
    expect(await balance(streamer.token)).toBe(2 * 95 + 11 * 475);
    for (const [index, user] of users.entries()) {
      expect(await balance(user.token)).toBe(index < 11 ? 500 : 0);
    }
  });

  it.each([
    ['below the minimum', { amountCents: 99 }],
    ['above the maximum', { amountCents: 100_001 }],
    ['negative', { amountCents: -500 }],
    ['zero', { amountCents: 0 }],
    ['non-integer', { amountCents: 10.5 }],
    ['a string amount', { amountCents: '1000' }],
    ['an unknown currency', { amountCents: 1000, currency: 'EUR' }],
    ['a malformed currency', { amountCents: 1000, currency: 'usd' }],
    ['a 201-character message', { amountCents: 1000, message: 'm'.repeat(201) }],
    ['an empty idempotency key', { amountCents: 1000, idempotencyKey: '' }],
  ])('refuses %s with BAD_USER_INPUT and moves nothing', async (_name, input) => {
    const { streamId, tipper } = await setup(200_000);
    expect(errorCode(await tip(tipper.token, { streamId, ...input }))).toBe('BAD_USER_INPUT');
    expect(await balance(tipper.token)).toBe(200_000);
  });

  it('refuses a tip on your own stream, on an ENDED stream, without funds, without a token, and on an unknown stream', async () => {
    const { streamer, streamId, tipper } = await setup(5000);
    await credit(streamer.id, 5000);
    expect(errorCode(await tip(streamer.token, { streamId, amountCents: 1000 }))).toBe('FORBIDDEN');
    const poor = await registerUser(url, 'poor');
    expect(errorCode(await tip(poor.token, { streamId, amountCents: 1000 }))).toBe(
      'INSUFFICIENT_FUNDS',
    );
    expect(
      errorCode(
        await gql(url, SEND_TIP, { input: { streamId, amountCents: 1000, idempotencyKey: 'k' } }),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(errorCode(await tip(tipper.token, { streamId: randomUUID(), amountCents: 1000 }))).toBe(
      'NOT_FOUND',
    );
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    expect(errorCode(await tip(tipper.token, { streamId, amountCents: 1000 }))).toBe('CONFLICT');
    expect(await balance(tipper.token)).toBe(5000);
    expect(await balance(streamer.token)).toBe(5000);
  });

  it('credits once per reference, refuses a reused reference with other figures, and only for admins', async () => {
    const user = await registerUser(url, 'credited');
    const reference = `pay_${randomUUID()}`;
    expect((await credit(user.id, 2500, reference)).data?.['creditWallet']).toEqual({
      currency: 'USD',
      balanceCents: 2500,
    });
    expect((await credit(user.id, 2500, reference)).data?.['creditWallet']).toEqual({
      currency: 'USD',
      balanceCents: 2500,
    });
    expect(errorCode(await credit(user.id, 9999, reference))).toBe('CONFLICT');
    expect(await balance(user.token)).toBe(2500);
    const racing = `pay_${randomUUID()}`;
    await Promise.all(Array.from({ length: 10 }, () => credit(user.id, 100, racing)));
    expect(await balance(user.token)).toBe(2600);

    const nonAdmin = await gql(
      url,
      CREDIT,
      { input: { userId: user.id, amountCents: 1000, reference: randomUUID() } },
      user.token,
    );
    expect(errorCode(nonAdmin)).toBe('FORBIDDEN');
    expect(
      errorCode(
        await gql(url, CREDIT, { input: { userId: user.id, amountCents: 1000, reference: 'x' } }),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(errorCode(await credit(randomUUID(), 1000))).toBe('NOT_FOUND');
    expect(errorCode(await credit(user.id, -5))).toBe('BAD_USER_INPUT');
    expect(await balance(user.token)).toBe(2600);
  });

  it("refuses a tip whose message breaks the chat's rules (banned, timed out, blocked term) and moves no money", async () => {
    const { streamer, streamId, tipper } = await setup(5000);
    const history = async () =>
      (
        (
          await gql(url, `query($s: ID!) { chatMessages(streamId: $s) { type body } }`, {
            s: streamId,
          })
        ).data?.['chatMessages'] as { type: string; body: string }[]
      ).filter((m) => m.type === 'TIP');
    await gql(
      url,
      `mutation($s: ID!, $t: [String!]!) { setChatBlockedTerms(streamId: $s, terms: $t) { blockedTerms } }`,
      { s: streamId, t: ['pump group'] },
      streamer.token,
    );
    const blocked = await tip(tipper.token, {
      streamId,
      amountCents: 500,
      message: 'join my PUMP GROUP',
    });
    expect(errorCode(blocked)).toBe('BAD_USER_INPUT');
    expect(await balance(tipper.token)).toBe(5000);

    const TIMEOUT = `mutation($s: ID!, $u: ID!, $n: Int!) { timeoutChatUser(streamId: $s, userId: $u, seconds: $n) { action } }`;
    await gql(url, TIMEOUT, { s: streamId, u: tipper.id, n: 600 }, streamer.token);
    const timedOut = await tip(tipper.token, { streamId, amountCents: 500, message: 'hear me' });
    expect(errorCode(timedOut)).toBe('FORBIDDEN');
    expect(timedOut.errors?.[0].extensions).toMatchObject({ reason: 'TIMED_OUT' });

    const BAN = `mutation($s: ID!, $u: ID!) { banChatUser(streamId: $s, userId: $u) { action } }`;
    await gql(url, BAN, { s: streamId, u: tipper.id }, streamer.token);
    const banned = await tip(tipper.token, { streamId, amountCents: 500, message: 'still here' });
    expect(errorCode(banned)).toBe('FORBIDDEN');
    expect(banned.errors?.[0].extensions).toMatchObject({ reason: 'BANNED' });
    expect(await balance(tipper.token)).toBe(5000);
    expect(await balance(streamer.token)).toBe(0);
    expect(await history()).toEqual([]);

    // Without a message no text reaches the chat: the tip goes through.
    const silent = await tip(tipper.token, { streamId, amountCents: 500 });
    expect(silent.errors).toBeUndefined();
    expect(await balance(tipper.token)).toBe(4500);
    expect((await history()).map((m) => m.body)).toEqual([
      expect.stringMatching(/tipped \$5\.00$/),
    ]);
  });

  it('posts the TIP chat message and the tipReceived event, and counts the tip in the stats and lists', async () => {
    const { streamer, streamId, tipper } = await setup(5000);
    const chatSocket = wsConnect(url);
    const tipSocket = wsConnect(url);
    connections.push(chatSocket, tipSocket);
    const chat = subscribe<{
      chatMessage: {
        type: string;
        body: string;
        tip: { id: string; amountCents: number } | null;
        author: { id: string };
      };
    }>(
      chatSocket,
      `subscription($s: ID!) { chatMessage(streamId: $s) { type body tip { id amountCents } author { id } } }`,
      { s: streamId },
    );
    const tips = subscribe<{
      tipReceived: { id: string; amountCents: number; netCents: number; from: { id: string } };
    }>(
      tipSocket,
      `subscription($s: ID!) { tipReceived(streamId: $s) { id amountCents netCents from { id } } }`,
      { s: streamId },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = await tip(tipper.token, {
      streamId,
      amountCents: 1000,
      message: '<i>nice</i> call',
    });
    const tipId = sent.data?.sendTip.id as string;
    const message = await chat.waitFor((m) => m.chatMessage.type === 'TIP');
    expect(message.chatMessage).toEqual({
      type: 'TIP',
      body: expect.stringContaining('tipped $10.00: <i>nice</i> call') as string,
      tip: { id: tipId, amountCents: 1000 },
      author: { id: tipper.id },
    });
    const event = await tips.waitFor((t) => t.tipReceived.id === tipId);
    expect(event.tipReceived).toEqual({
      id: tipId,
      amountCents: 1000,
      netCents: 950,
      from: { id: tipper.id },
    });

    const stats = await gql(
      url,
      `query($id: ID!) { stream(id: $id) { stats { tipCount tipTotals { currency amountCents } tipNetTotals { amountCents } messageCount } } }`,
      { id: streamId },
    );
    expect(stats.data?.['stream'].stats).toEqual({
      tipCount: 1,
      tipTotals: [{ currency: 'USD', amountCents: 1000 }],
      tipNetTotals: [{ amountCents: 950 }],
      messageCount: 0,
    });
    const received = await gql(url, `{ myTips { id netCents } }`, {}, streamer.token);
    expect(received.data?.['myTips']).toEqual([{ id: tipId, netCents: 950 }]);
    const sentList = await gql(url, `{ myTips(direction: SENT) { id } }`, {}, tipper.token);
    expect(sentList.data?.['myTips']).toEqual([{ id: tipId }]);
    const platform = await gql(
      url,
      `{ platformStats { tipTotals { currency amountCents } platformFeeTotals { currency amountCents } } }`,
    );
    expect(
      platform.data?.['platformStats'].platformFeeTotals[0].amountCents,
    ).toBeGreaterThanOrEqual(50);
  });

  it('rate limits tips per user per minute', async () => {
    const limited = await startTestApp({ TIP_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const { streamId } = await liveStream(limited.url, 'limited');
      const tipper = await registerUser(limited.url, 'fast');
      await gql(
        limited.url,
        CREDIT,
        { input: { userId: tipper.id, amountCents: 10_000, reference: randomUUID() } },
        adminToken,
      );
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          gql(
            limited.url,
            SEND_TIP,
            { input: { streamId, amountCents: 100, idempotencyKey: randomUUID() } },
            tipper.token,
          ),
        ),
      );
      expect(results.filter((r) => r.data?.['sendTip'])).toHaveLength(3);
      const refused = results.filter((r) => errorCode(r) === 'RATE_LIMITED');
      expect(refused).toHaveLength(2);
      expect(refused[0].errors?.[0].extensions?.['retryAfterSeconds']).toBe(20);
    } finally {
      await limited.close();
    }
  });

  it('keeps the ledger append-only: entries and transfers cannot be changed', async () => {
    const dataSource = running.app.get(DataSource);
    await expect(
      dataSource.query('UPDATE ledger_entries SET amount_cents = amount_cents + 1'),
    ).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM transfers')).rejects.toThrow(/append-only/);
  });
});

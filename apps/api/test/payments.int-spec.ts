import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import Stripe from 'stripe';
import { DataSource } from 'typeorm';

import { verifyLedger } from '@finserve/api/tips';

import type { RunningApp } from '../src/bootstrap';
import { errorCode, gql, liveStream, registerUser } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const ADD_FUNDS = /* GraphQL */ `
  mutation AddFunds($input: AddFundsInput!) {
    addFunds(input: $input) {
      id
      amountCents
      currency
      status
      checkoutUrl
      createdAt
    }
  }
`;
const MY_DEPOSITS = /* GraphQL */ `
  {
    myDeposits {
      id
      amountCents
      status
      checkoutUrl
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
const REQUEST_PAYOUT = /* GraphQL */ `
  mutation Payout($input: RequestPayoutInput!) {
    requestPayout(input: $input) {
      id
      amountCents
      currency
      status
      createdAt
      paidAt
    }
  }
`;
const MY_MONEY = /* GraphQL */ `
  {
    myWallets {
      currency
      balanceCents
      withdrawableCents
    }
    myPayouts {
      id
      amountCents
      status
      paidAt
    }
  }
`;
type Payout = {
  id: string;
  amountCents: number;
  currency: string;
  status: string;
  paidAt: string | null;
};
const SEND_TIP = /* GraphQL */ `
  mutation Tip($input: SendTipInput!) {
    sendTip(input: $input) {
      id
    }
  }
`;

type Deposit = {
  id: string;
  amountCents: number;
  currency: string;
  status: string;
  checkoutUrl: string | null;
};

const WEBHOOK_SECRET = 'whsec_test_payments_spec_secret';

/** A stand-in for api.stripe.com: the Checkout Session endpoint the provider uses. */
interface StripeStandIn {
  server: Server;
  port: number;
  requests: { path: string; form: URLSearchParams; headers: IncomingMessage['headers'] }[];
  /** Connect accounts by id; a test turns payouts_enabled on (onboarding done). */
  accounts: Map<string, Record<string, unknown>>;
  /** Transfers by id (what the platform sent to connected accounts). */
  transfers: Map<string, Record<string, unknown>>;
}

/** The amount the stand-in refuses to transfer (as Stripe does when the platform balance is short). */
const REFUSED_TRANSFER_CENTS = 1313;

async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: StripeStandIn['requests'] = [];
  const sessions = new Map<string, Record<string, unknown>>();
  const accounts = new Map<string, Record<string, unknown>>();
  const transfers = new Map<string, Record<string, unknown>>();
  /** Stripe's idempotency: a repeated key answers the first object. */
  const byKey = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      requests.push({ path: req.url ?? '', form, headers: req.headers });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
        // Stripe's idempotency: the same key answers the first session.
        const key = String(req.headers['idempotency-key'] ?? randomUUID());
        let session = sessions.get(key);
        if (!session) {
          const id = `cs_test_${randomUUID().replaceAll('-', '')}`;
          session = {
            id,
            object: 'checkout.session',
            mode: form.get('mode'),
            client_reference_id: form.get('client_reference_id'),
            amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
            currency: form.get('line_items[0][price_data][currency]'),
            payment_status: 'unpaid',
            status: 'open',
            success_url: form.get('success_url'),
            url: `https://checkout.stripe.test/c/pay/${id}`,
          };
          sessions.set(key, session);
        }
        res.end(JSON.stringify(session));
        return;
      }
      const key = req.headers['idempotency-key']
        ? `${req.url}:${String(req.headers['idempotency-key'])}`
        : null;
      const first = key ? byKey.get(key) : undefined;
      if (req.method === 'POST' && req.url === '/v1/accounts') {
        const account = first ?? {
          id: `acct_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
          object: 'account',
          type: form.get('type'),
          metadata: { userId: form.get('metadata[userId]') },
          payouts_enabled: false,
          charges_enabled: false,
        };
        accounts.set(String(account['id']), account);
        if (key) byKey.set(key, account);
        res.end(JSON.stringify(account));
        return;
      }
      const accountPath = /^\/v1\/accounts\/(acct_[A-Za-z0-9_]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && accountPath) {
        const account = accounts.get(accountPath[1]);
        if (account) {
          res.end(JSON.stringify(account));
          return;
        }
      }
      if (req.method === 'POST' && req.url === '/v1/account_links') {
        res.end(
          JSON.stringify({
            object: 'account_link',
            url: `https://connect.stripe.test/setup/e/${form.get('account')}`,
            created: Math.floor(Date.now() / 1000),
            expires_at: Math.floor(Date.now() / 1000) + 300,
          }),
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/transfers') {
        if (Number(form.get('amount')) === REFUSED_TRANSFER_CENTS) {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              error: {
                type: 'invalid_request_error',
                code: 'balance_insufficient',
                message: 'You have insufficient available funds in your Stripe account.',
              },
            }),
          );
          return;
        }
        const transfer = first ?? {
          id: `tr_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
          object: 'transfer',
          amount: Number(form.get('amount')),
          amount_reversed: 0,
          reversed: false,
          currency: form.get('currency'),
          destination: form.get('destination'),
          metadata: { payoutId: form.get('metadata[payoutId]') },
          transfer_group: form.get('transfer_group'),
        };
        transfers.set(String(transfer['id']), transfer);
        if (key) byKey.set(key, transfer);
        res.end(JSON.stringify(transfer));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'not here' } }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests,
    accounts,
    transfers,
  };
}

const stripe = new Stripe('sk_test_unused');

/** An event in Stripe's format, signed as Stripe signs it. */
function signed(
  type: string,
  object: Record<string, unknown>,
  options: { secret?: string; timestamp?: number; id?: string } = {},
): { body: string; signature: string; id: string } {
  const id = options.id ?? `evt_${randomUUID().replaceAll('-', '')}`;
  const body = JSON.stringify({
    id,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object },
  });
  const signature = stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return { body, signature, id };
}

describe('adding funds through Stripe (the SDK against a local stand-in)', () => {
  let running: RunningApp;
  let url: string;
  let standIn: StripeStandIn;

  const deliver = (event: { body: string; signature: string }) =>
    fetch(`${url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': event.signature },
      body: event.body,
    });
  const balance = async (token: string): Promise<number> => {
    const response = await gql<{ myWallets: { currency: string; balanceCents: number }[] }>(
      url,
      WALLETS,
      {},
      token,
    );
    return response.data?.myWallets.find((w) => w.currency === 'USD')?.balanceCents ?? -1;
  };
  const deposits = async (token: string): Promise<Deposit[]> =>
    (await gql<{ myDeposits: Deposit[] }>(url, MY_DEPOSITS, {}, token)).data?.myDeposits ?? [];
  const addFunds = (token: string, input: Record<string, unknown>) =>
    gql<{ addFunds: Deposit }>(
      url,
      ADD_FUNDS,
      {
        input: {
          idempotencyKey: randomUUID(),
          returnUrl: 'http://app.test/wallet/return',
          ...input,
        },
      },
      token,
    );
  /** The session the stand-in created for a deposit. */
  const sessionOf = (depositId: string) => {
    const request = standIn.requests.find((r) => r.form.get('client_reference_id') === depositId);
    if (!request) throw new Error(`no session for ${depositId}`);
    return request;
  };
  const sessionId = (deposit: Deposit) => deposit.checkoutUrl?.split('/').pop() ?? '';
  const completed = (deposit: Deposit, extra: Record<string, unknown> = {}) => ({
    id: sessionId(deposit),
    object: 'checkout.session',
    client_reference_id: deposit.id,
    amount_total: deposit.amountCents,
    currency: 'usd',
    payment_status: 'paid',
    status: 'complete',
    payment_intent: `pi_${deposit.id.replaceAll('-', '')}`,
    ...extra,
  });
  const creditsOf = async (depositId: string): Promise<number> => {
    const [row] = await running.app
      .get(DataSource)
      .query<{ n: string }[]>(
        `SELECT count(*)::text AS n FROM wallet_credits WHERE reference = $1`,
        [`deposit:${depositId}`],
      );
    return Number(row.n);
  };
  /** A user with a PENDING $20 deposit. */
  const pending = async (amountCents = 2000) => {
    const user = await registerUser(url, 'payer');
    const response = await addFunds(user.token, { amountCents });
    expect(response.errors).toBeUndefined();
    const deposit = response.data?.addFunds;
    if (!deposit) throw new Error('addFunds failed');
    return { user, deposit };
  };

  beforeAll(async () => {
    standIn = await startStripeStandIn();
    running = await startTestApp({
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_payments_spec',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(standIn.port),
      STRIPE_API_PROTOCOL: 'http',
      ADD_FUNDS_RATE_LIMIT_PER_HOUR: '1000',
      TIP_RATE_LIMIT_PER_MINUTE: '1000',
    });
    url = running.url;
  });
  afterEach(async () => {
    // The same check as `npm run db:verify`, after every test.
    expect(await verifyLedger(running.app.get(DataSource), 500)).toEqual([]);
  });
  afterAll(async () => {
    await running?.close();
    standIn?.server.closeAllConnections();
    await new Promise((done) => standIn?.server.close(done));
  });

  it('creates a Checkout Session through the SDK and returns a PENDING deposit with its page', async () => {
    const { user, deposit } = await pending(2000);
    expect(deposit).toMatchObject({ amountCents: 2000, currency: 'USD', status: 'PENDING' });
    expect(deposit.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const request = sessionOf(deposit.id);
    expect(request.headers['authorization']).toBe('Bearer sk_test_payments_spec');
    expect(request.headers['idempotency-key']).toBe(`deposit-${deposit.id}`);
    expect(request.form.get('mode')).toBe('payment');
    expect((await gql(url, '{ paymentsTestMode }')).data?.['paymentsTestMode']).toBe(false);
    expect(request.form.get('line_items[0][price_data][unit_amount]')).toBe('2000');
    expect(request.form.get('line_items[0][price_data][currency]')).toBe('usd');
    expect(request.form.get('success_url')).toBe(
      `http://app.test/wallet/return?deposit=${deposit.id}`,
    );
    // Nothing is credited before the provider says so.
    expect(await balance(user.token)).toBe(0);
    expect(await deposits(user.token)).toEqual([
      expect.objectContaining({ id: deposit.id, status: 'PENDING' }),
    ]);
  });

  it('credits once when the completed event is delivered 3 times concurrently, and again later', async () => {
    const { user, deposit } = await pending(2000);
    const event = signed('checkout.session.completed', completed(deposit));
    const answers = await Promise.all([deliver(event), deliver(event), deliver(event)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const bodies = await Promise.all(
      answers.map((a) => a.json() as Promise<{ duplicate: boolean }>),
    );
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    expect((await deliver(event)).status).toBe(200);
    // Another event for the same session (e.g. async_payment_succeeded) credits nothing more.
    expect(
      (await deliver(signed('checkout.session.async_payment_succeeded', completed(deposit))))
        .status,
    ).toBe(200);
    expect(await balance(user.token)).toBe(2000);
    expect(await creditsOf(deposit.id)).toBe(1);
    expect(await deposits(user.token)).toEqual([
      { id: deposit.id, amountCents: 2000, status: 'SUCCEEDED', checkoutUrl: null },
    ]);
  });

  it('refuses a bad, a stale or a missing signature with 400 and credits nothing', async () => {
    const { user, deposit } = await pending(1500);
    const good = signed('checkout.session.completed', completed(deposit));
    const wrongSecret = signed('checkout.session.completed', completed(deposit), {
      secret: 'whsec_someone_else',
    });
    const stale = signed('checkout.session.completed', completed(deposit), {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const tampered = {
      body: good.body.replace('"amount_total":1500', '"amount_total":99999'),
      signature: good.signature,
    };
    for (const event of [wrongSecret, stale, tampered, { body: good.body, signature: '' }]) {
      const answer = await deliver(event);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'Invalid webhook signature',
      });
    }
    expect(await balance(user.token)).toBe(0);
    expect(await creditsOf(deposit.id)).toBe(0);
    // A refused delivery is not remembered: the genuine one still credits.
    expect((await deliver(good)).status).toBe(200);
    expect(await balance(user.token)).toBe(1500);
  });

  it('never credits a session whose amount differs from the deposit', async () => {
    const { user, deposit } = await pending(1000);
    const event = signed(
      'checkout.session.completed',
      completed(deposit, { amount_total: 100000 }),
    );
    expect((await deliver(event)).status).toBe(200);
    expect(await balance(user.token)).toBe(0);
    expect((await deposits(user.token))[0]?.status).toBe('PENDING');
  });

  it('marks an expired session CANCELED and a failed async payment FAILED', async () => {
    const expired = await pending(1000);
    await deliver(
      signed(
        'checkout.session.expired',
        completed(expired.deposit, { payment_status: 'unpaid', status: 'expired' }),
      ),
    );
    expect(await deposits(expired.user.token)).toEqual([
      expect.objectContaining({ status: 'CANCELED', checkoutUrl: null }),
    ]);
    const failed = await pending(1000);
    await deliver(
      signed(
        'checkout.session.async_payment_failed',
        completed(failed.deposit, { payment_status: 'unpaid' }),
      ),
    );
    expect((await deposits(failed.user.token))[0]?.status).toBe('FAILED');
    // A late completion of an ended deposit credits nothing.
    await deliver(signed('checkout.session.completed', completed(failed.deposit)));
    expect(await balance(failed.user.token)).toBe(0);
  });

  it('a refund reverses on the ledger; money already tipped away is the platform loss, the wallet stays >= 0', async () => {
    const { user, deposit } = await pending(2000);
    await deliver(signed('checkout.session.completed', completed(deposit)));
    expect(await balance(user.token)).toBe(2000);
    const { streamId } = await liveStream(url, 'refunds');
    const tipped = await gql(
      url,
      SEND_TIP,
      { input: { streamId, amountCents: 1500, idempotencyKey: randomUUID() } },
      user.token,
    );
    expect(tipped.errors).toBeUndefined();
    expect(await balance(user.token)).toBe(500);

    const charge = (amountRefunded: number) => ({
      id: `ch_${deposit.id.slice(0, 8)}`,
      object: 'charge',
      amount: 2000,
      amount_refunded: amountRefunded,
      currency: 'usd',
      payment_intent: `pi_${deposit.id.replaceAll('-', '')}`,
      refunded: amountRefunded === 2000,
    });
    // A partial refund of $3: $3 of the $5 left.
    const partial = signed('charge.refunded', charge(300));
    await Promise.all([deliver(partial), deliver(partial)]);
    expect(await balance(user.token)).toBe(200);
    expect((await deposits(user.token))[0]?.status).toBe('SUCCEEDED');
    // Then the rest ($17): the wallet gives its last $2, the platform bears $15.
    await deliver(signed('charge.refunded', charge(2000)));
    expect(await balance(user.token)).toBe(0);
    expect((await deposits(user.token))[0]?.status).toBe('REFUNDED');
    const rows = await running.app
      .get(DataSource)
      .query<{ amount_cents: string; from_wallet_cents: string }[]>(
        `SELECT amount_cents, from_wallet_cents FROM wallet_reversals WHERE credit_reference = $1 ORDER BY amount_cents`,
        [`deposit:${deposit.id}`],
      );
    expect(rows).toEqual([
      { amount_cents: '300', from_wallet_cents: '300' },
      { amount_cents: '1700', from_wallet_cents: '200' },
    ]);
    // Replaying the refund moves nothing.
    await deliver(signed('charge.refunded', charge(2000)));
    expect(await balance(user.token)).toBe(0);
  });

  it('holds amounts to 500..100000 USD, answers a repeated key with the first deposit, refuses a reused key', async () => {
    const user = await registerUser(url, 'bounds');
    for (const amountCents of [499, 100001, 0, -500]) {
      expect(errorCode(await addFunds(user.token, { amountCents }))).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await addFunds(user.token, { amountCents: 1000, currency: 'EUR' }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      errorCode(
        await addFunds(user.token, { amountCents: 1000, returnUrl: 'javascript:alert(1)' }),
      ),
    ).toBe('BAD_USER_INPUT');
    const key = randomUUID();
    const first = await addFunds(user.token, { amountCents: 500, idempotencyKey: key });
    const again = await addFunds(user.token, { amountCents: 500, idempotencyKey: key });
    expect(again.data?.addFunds.id).toBe(first.data?.addFunds.id);
    expect(errorCode(await addFunds(user.token, { amountCents: 600, idempotencyKey: key }))).toBe(
      'CONFLICT',
    );
    expect(await deposits(user.token)).toHaveLength(1);
    expect(
      errorCode(await gql(url, ADD_FUNDS, { input: { amountCents: 500, idempotencyKey: 'k' } })),
    ).toBe('UNAUTHENTICATED');
  });

  // --- Payouts (Stripe Connect Express) and disputes ---------------------------------------

  const money = async (token: string) => {
    const response = await gql<{
      myWallets: { currency: string; balanceCents: number; withdrawableCents: number }[];
      myPayouts: Payout[];
    }>(url, MY_MONEY, {}, token);
    expect(response.errors).toBeUndefined();
    const usd = response.data?.myWallets.find((w) => w.currency === 'USD');
    return {
      balance: usd?.balanceCents ?? -1,
      withdrawable: usd?.withdrawableCents ?? -1,
      payouts: response.data?.myPayouts ?? [],
    };
  };
  const requestPayout = (token: string, input: Record<string, unknown>) =>
    gql<{ requestPayout: Payout }>(
      url,
      REQUEST_PAYOUT,
      { input: { idempotencyKey: randomUUID(), ...input } },
      token,
    );
  /** Money paid in through a completed checkout. */
  const deposited = async (token: string, amountCents: number): Promise<Deposit> => {
    const deposit = (await addFunds(token, { amountCents })).data?.addFunds;
    if (!deposit) throw new Error('addFunds failed');
    expect((await deliver(signed('checkout.session.completed', completed(deposit)))).status).toBe(
      200,
    );
    return deposit;
  };
  type Person = { token: string; id: string; username: string };
  /** The streamer's Connect account is created by a first request, then onboarded. */
  const onboard = async (streamer: Person) => {
    const first = await requestPayout(streamer.token, { amountCents: 1000 });
    expect(errorCode(first)).toBe('CONFLICT');
    const account = [...standIn.accounts.values()].find(
      (a) => (a['metadata'] as { userId?: string }).userId === streamer.id,
    );
    if (!account) throw new Error('no Connect account was created');
    expect(account['type']).toBe('express');
    expect(first.errors?.[0]?.extensions?.['onboardingUrl']).toBe(
      `https://connect.stripe.test/setup/e/${String(account['id'])}`,
    );
    account['payouts_enabled'] = true; // the streamer finished Stripe's onboarding
    return String(account['id']);
  };
  /** A streamer who earned a tip of tipCents (95% net) from a fan's deposited money. */
  const earner = async (tipCents: number, ready = true) => {
    const { streamer, streamId } = await liveStream(url, 'payouts');
    const fan = await registerUser(url, 'fan');
    await deposited(fan.token, Math.max(tipCents, 500));
    const tipped = await gql(
      url,
      SEND_TIP,
      { input: { streamId, amountCents: tipCents, idempotencyKey: randomUUID() } },
      fan.token,
    );
    expect(tipped.errors).toBeUndefined();
    if (ready) await onboard(streamer);
    return streamer;
  };
  const transfersOf = (payoutId: string) =>
    [...standIn.transfers.values()].filter(
      (t) => (t['metadata'] as { payoutId?: string }).payoutId === payoutId,
    );

  it('never pays out deposited money: a user with deposits only gets INSUFFICIENT_FUNDS', async () => {
    const user = await registerUser(url, 'depositor');
    await deposited(user.token, 5000);
    expect(await money(user.token)).toEqual({ balance: 5000, withdrawable: 0, payouts: [] });
    const refused = await requestPayout(user.token, { amountCents: 1000 });
    expect(errorCode(refused)).toBe('INSUFFICIENT_FUNDS');
    expect(refused.errors?.[0]?.extensions?.['withdrawableCents']).toBe(0);
    expect(await money(user.token)).toEqual({ balance: 5000, withdrawable: 0, payouts: [] });
    // The provider was not even asked: no Connect account, no transfer.
    expect(
      standIn.requests.filter(
        (r) => r.path === '/v1/accounts' && r.form.get('metadata[userId]') === user.id,
      ),
    ).toEqual([]);
  });

  it('pays out earnings only: onboarding link first, then a transfer to the Connect account; PAID', async () => {
    const streamer = await earner(4000, false);
    await deposited(streamer.token, 2000);
    // $38.00 earned (a $40 tip less the 5% fee) and $20 deposited.
    expect(await money(streamer.token)).toMatchObject({ balance: 5800, withdrawable: 3800 });
    const accountId = await onboard(streamer);
    expect(errorCode(await requestPayout(streamer.token, { amountCents: 3801 }))).toBe(
      'INSUFFICIENT_FUNDS',
    );
    expect(errorCode(await requestPayout(streamer.token, { amountCents: 999 }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      errorCode(await requestPayout(streamer.token, { amountCents: 1000, currency: 'EUR' })),
    ).toBe('BAD_USER_INPUT');

    const paid = await requestPayout(streamer.token, { amountCents: 3000 });
    expect(paid.errors).toBeUndefined();
    const payout = paid.data?.requestPayout;
    if (!payout) throw new Error('requestPayout failed');
    expect(payout).toMatchObject({ amountCents: 3000, currency: 'USD', status: 'PAID' });
    expect(payout.paidAt).not.toBeNull();
    const [transfer] = transfersOf(payout.id);
    expect(transfer).toMatchObject({ amount: 3000, currency: 'usd', destination: accountId });
    const request = standIn.requests.find(
      (r) => r.path === '/v1/transfers' && r.form.get('metadata[payoutId]') === payout.id,
    );
    expect(request?.headers['idempotency-key']).toBe(`payout-${payout.id}`);
    expect(await money(streamer.token)).toEqual({
      balance: 2800,
      withdrawable: 800,
      payouts: [{ id: payout.id, amountCents: 3000, status: 'PAID', paidAt: payout.paidAt }],
    });
    expect(
      errorCode(
        await gql(url, REQUEST_PAYOUT, { input: { amountCents: 1000, idempotencyKey: 'k' } }),
      ),
    ).toBe('UNAUTHENTICATED');
  });

  it('a refused transfer fails the payout and the money comes back; so does a later transfer.reversed', async () => {
    const streamer = await earner(5000);
    expect(await money(streamer.token)).toMatchObject({ balance: 4750, withdrawable: 4750 });
    const refused = (await requestPayout(streamer.token, { amountCents: REFUSED_TRANSFER_CENTS }))
      .data?.requestPayout;
    expect(refused?.status).toBe('FAILED');
    expect(await money(streamer.token)).toMatchObject({ balance: 4750, withdrawable: 4750 });

    const payout = (await requestPayout(streamer.token, { amountCents: 2000 })).data?.requestPayout;
    if (!payout) throw new Error('requestPayout failed');
    expect(payout.status).toBe('PAID');
    expect(await money(streamer.token)).toMatchObject({ balance: 2750, withdrawable: 2750 });
    const [transfer] = transfersOf(payout.id);
    const reversed = signed('transfer.reversed', {
      ...transfer,
      amount_reversed: 2000,
      reversed: true,
    });
    const answers = await Promise.all([deliver(reversed), deliver(reversed)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    // A late transfer.created does not pay it again.
    await deliver(signed('transfer.created', transfer));
    const after = await money(streamer.token);
    expect(after).toMatchObject({ balance: 4750, withdrawable: 4750 });
    expect(after.payouts.map((p) => [p.amountCents, p.status])).toEqual([
      [2000, 'FAILED'],
      [REFUSED_TRANSFER_CENTS, 'FAILED'],
    ]);
  });

  it('answers a repeated idempotency key with the first payout, even concurrently; a reused key is CONFLICT', async () => {
    const streamer = await earner(5000);
    const key = randomUUID();
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        requestPayout(streamer.token, { amountCents: 1000, idempotencyKey: key }),
      ),
    );
    const ids = new Set(answers.map((a) => a.data?.requestPayout.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(transfersOf(String(id))).toHaveLength(1);
    expect(
      errorCode(await requestPayout(streamer.token, { amountCents: 1200, idempotencyKey: key })),
    ).toBe('CONFLICT');
    expect(await money(streamer.token)).toMatchObject({ balance: 3750, withdrawable: 3750 });
    expect((await money(streamer.token)).payouts).toHaveLength(1);
  });

  it('allows 5 payouts a day per user (the default), then RATE_LIMITED', async () => {
    const streamer = await earner(20000);
    for (let i = 0; i < 5; i++) {
      expect((await requestPayout(streamer.token, { amountCents: 1000 })).errors).toBeUndefined();
    }
    expect(errorCode(await requestPayout(streamer.token, { amountCents: 1000 }))).toBe(
      'RATE_LIMITED',
    );
    expect(await money(streamer.token)).toMatchObject({ balance: 14000, withdrawable: 14000 });
  });

  it('a dispute holds the deposit (the wallet never negative, the platform bears what was tipped away); won gives it back, lost keeps it', async () => {
    const { streamId } = await liveStream(url, 'disputes');
    const dispute = (deposit: Deposit, id: string, status: string) => ({
      id,
      object: 'dispute',
      amount: deposit.amountCents,
      currency: 'usd',
      charge: `ch_${deposit.id.slice(0, 8)}`,
      payment_intent: `pi_${deposit.id.replaceAll('-', '')}`,
      status,
    });
    const user = await registerUser(url, 'disputer');
    const deposit = await deposited(user.token, 2000);
    expect(
      (
        await gql(
          url,
          SEND_TIP,
          { input: { streamId, amountCents: 1500, idempotencyKey: randomUUID() } },
          user.token,
        )
      ).errors,
    ).toBeUndefined();
    const created = signed('charge.dispute.created', dispute(deposit, 'dp_won', 'needs_response'));
    await Promise.all([deliver(created), deliver(created)]);
    expect(await balance(user.token)).toBe(0);
    const [held] = await running.app
      .get(DataSource)
      .query<{ amount_cents: string; from_wallet_cents: string }[]>(
        `SELECT amount_cents, from_wallet_cents FROM wallet_reversals WHERE reference = $1`,
        [`deposit:${deposit.id}:dispute:dp_won`],
      );
    expect(held).toEqual({ amount_cents: '2000', from_wallet_cents: '500' });
    await deliver(signed('charge.dispute.closed', dispute(deposit, 'dp_won', 'won')));
    await deliver(signed('charge.dispute.funds_reinstated', dispute(deposit, 'dp_won', 'won')));
    expect(await balance(user.token)).toBe(500);

    const loser = await registerUser(url, 'loser');
    const lost = await deposited(loser.token, 1000);
    await deliver(signed('charge.dispute.created', dispute(lost, 'dp_lost', 'needs_response')));
    expect(await balance(loser.token)).toBe(0);
    await deliver(signed('charge.dispute.closed', dispute(lost, 'dp_lost', 'lost')));
    expect(await balance(loser.token)).toBe(0);
  });
});

describe('the sandbox provider (the default outside production)', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ TIP_RATE_LIMIT_PER_MINUTE: '1000' });
    url = running.url;
  });
  afterEach(async () => {
    expect(await verifyLedger(running.app.get(DataSource), 500)).toEqual([]);
  });
  afterAll(() => running?.close());

  const addFunds = (token: string, input: Record<string, unknown>) =>
    gql<{ addFunds: Deposit }>(
      url,
      ADD_FUNDS,
      { input: { idempotencyKey: randomUUID(), ...input } },
      token,
    );

  it('pays $20 end to end over HTTP: TEST MODE page, signed event on the webhook path, back to the app', async () => {
    const user = await registerUser(url, 'sandbox');
    const response = await addFunds(user.token, {
      amountCents: 2000,
      returnUrl: 'http://app.test/wallet/return?from=tip',
    });
    expect(response.errors).toBeUndefined();
    const deposit = response.data?.addFunds;
    if (!deposit) throw new Error('addFunds failed');
    expect(deposit.status).toBe('PENDING');
    expect(deposit.checkoutUrl).toBe(`/payments/sandbox/${deposit.id}`);
    expect((await gql(url, '{ paymentsTestMode }')).data?.['paymentsTestMode']).toBe(true);

    const english = await fetch(`${url}${deposit.checkoutUrl}`);
    expect(english.status).toBe(200);
    const html = await english.text();
    expect(html).toContain('TEST MODE');
    expect(html).toContain('$20.00');
    expect(html).toContain('>Pay</button>');
    expect(html).toContain('>Decline</button>');
    const french = await (
      await fetch(`${url}${deposit.checkoutUrl}`, {
        headers: { 'accept-language': 'fr-FR,fr;q=0.9' },
      })
    ).text();
    expect(french).toContain('MODE TEST');
    expect(french).toContain('>Payer</button>');

    const paid = await fetch(`${url}/payments/sandbox/${deposit.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(
      `http://app.test/wallet/return?from=tip&deposit=${deposit.id}`,
    );
    const after = await gql<{ myDeposits: Deposit[]; myWallets: { balanceCents: number }[] }>(
      url,
      `{ myDeposits { id status checkoutUrl } myWallets { balanceCents } }`,
      {},
      user.token,
    );
    expect(after.data?.myDeposits).toEqual([
      { id: deposit.id, status: 'SUCCEEDED', checkoutUrl: null },
    ]);
    expect(after.data?.myWallets[0]?.balanceCents).toBe(2000);
    // Pressing Pay again (back button) credits nothing more.
    await fetch(`${url}/payments/sandbox/${deposit.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    const page = await (await fetch(`${url}${deposit.checkoutUrl}`)).text();
    expect(page).toContain('data-status="SUCCEEDED"');
    const wallets = await gql<{ myWallets: { balanceCents: number }[] }>(
      url,
      WALLETS,
      {},
      user.token,
    );
    expect(wallets.data?.myWallets[0]?.balanceCents).toBe(2000);
  });

  it('Decline marks the deposit FAILED and credits nothing; an unknown page is 404', async () => {
    const user = await registerUser(url, 'decline');
    const deposit = (await addFunds(user.token, { amountCents: 700 })).data?.addFunds;
    if (!deposit) throw new Error('addFunds failed');
    const declined = await fetch(`${url}/payments/sandbox/${deposit.id}/decline`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(declined.status).toBe(303);
    const after = await gql<{ myDeposits: Deposit[]; myWallets: { balanceCents: number }[] }>(
      url,
      `{ myDeposits { id status } myWallets { balanceCents } }`,
      {},
      user.token,
    );
    expect(after.data?.myDeposits).toEqual([{ id: deposit.id, status: 'FAILED' }]);
    expect(after.data?.myWallets[0]?.balanceCents).toBe(0);
    expect((await fetch(`${url}/payments/sandbox/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${url}/payments/sandbox/not-an-id`)).status).toBe(404);
  });

  it('allows 10 addFunds per hour per user (the default), then RATE_LIMITED', async () => {
    const user = await registerUser(url, 'limited');
    for (let i = 0; i < 10; i++) {
      expect((await addFunds(user.token, { amountCents: 500 })).errors).toBeUndefined();
    }
    const refused = await addFunds(user.token, { amountCents: 500 });
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    // Another user is not limited by it.
    const other = await registerUser(url, 'other');
    expect((await addFunds(other.token, { amountCents: 500 })).errors).toBeUndefined();
  });

  it('pays out earnings at once through the sandbox (a ready test account); deposits stay unwithdrawable', async () => {
    const { streamer, streamId } = await liveStream(url, 'sandbox payouts');
    const fan = await registerUser(url, 'fan');
    const deposit = (await addFunds(fan.token, { amountCents: 5000 })).data?.addFunds;
    if (!deposit) throw new Error('addFunds failed');
    await fetch(`${url}/payments/sandbox/${deposit.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    const tipped = await gql(
      url,
      SEND_TIP,
      { input: { streamId, amountCents: 4000, idempotencyKey: randomUUID() } },
      fan.token,
    );
    expect(tipped.errors).toBeUndefined();
    const refused = await gql(
      url,
      REQUEST_PAYOUT,
      { input: { amountCents: 1000, idempotencyKey: randomUUID() } },
      fan.token,
    );
    expect(errorCode(refused)).toBe('INSUFFICIENT_FUNDS');
    const paid = await gql<{ requestPayout: Payout }>(
      url,
      REQUEST_PAYOUT,
      { input: { amountCents: 2500, idempotencyKey: randomUUID() } },
      streamer.token,
    );
    expect(paid.data?.requestPayout).toMatchObject({ amountCents: 2500, status: 'PAID' });
    const after = await gql<{ myWallets: { balanceCents: number; withdrawableCents: number }[] }>(
      url,
      MY_MONEY,
      {},
      streamer.token,
    );
    expect(after.data?.myWallets[0]).toMatchObject({ balanceCents: 1300, withdrawableCents: 1300 });
    // TEST MODE: the sandbox provider reverses it through the signed webhook path; it comes back.
    const payoutId = paid.data?.requestPayout.id ?? '';
    const reversed = await fetch(`${url}/payments/sandbox/payouts/${payoutId}/reverse`, {
      method: 'POST',
    });
    expect(await reversed.json()).toEqual({ id: payoutId, status: 'FAILED' });
    const back = await gql<{
      myWallets: { balanceCents: number; withdrawableCents: number }[];
      myPayouts: Payout[];
    }>(url, MY_MONEY, {}, streamer.token);
    expect(back.data?.myWallets[0]).toMatchObject({ balanceCents: 3800, withdrawableCents: 3800 });
    expect(back.data?.myPayouts.map((p) => p.status)).toEqual(['FAILED']);
    expect(
      (await fetch(`${url}/payments/sandbox/payouts/${randomUUID()}/reverse`, { method: 'POST' }))
        .status,
    ).toBe(404);
  });
});

import { randomBytes } from 'node:crypto';

import Stripe from 'stripe';

import type { AppConfig } from '@finserve/api/core';

/** What a provider answers for a new deposit: its session and the page the user pays on. */
export interface Checkout {
  sessionId: string;
  url: string;
}

export interface CheckoutRequest {
  depositId: string;
  amountCents: number;
  currency: string;
  /** Where the provider sends the user back after paying or giving up. */
  successUrl: string;
  cancelUrl: string;
}

/** A streamer's connected account at the provider, and whether it can receive payouts yet. */
export interface PayoutDestination {
  accountId: string;
  ready: boolean;
}

export interface TransferRequest {
  payoutId: string;
  accountId: string;
  amountCents: number;
  currency: string;
}

/** One interface for every provider; the webhook path and signature scheme are Stripe's for all. */
export interface PaymentProvider {
  readonly kind: 'stripe' | 'sandbox';
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** The user's connected account: created on first use (existing: the one already recorded). */
  payoutDestination(userId: string, existing: string | null): Promise<PayoutDestination>;
  /** The provider's page where the user finishes setting the account up. */
  onboardingLink(accountId: string, returnUrl: string): Promise<string>;
  /** Moves the money to the connected account; returns the provider's transfer id. */
  transfer(request: TransferRequest): Promise<string>;
}

/** The Stripe SDK, pointed at STRIPE_API_HOST/PORT/PROTOCOL when set (tests: a local stand-in). */
export function stripeClient(config: AppConfig): Stripe {
  return new Stripe(config.STRIPE_SECRET_KEY ?? 'sk_test_sandbox_unused', {
    ...(config.STRIPE_API_HOST ? { host: config.STRIPE_API_HOST } : {}),
    ...(config.STRIPE_API_PORT ? { port: config.STRIPE_API_PORT } : {}),
    ...(config.STRIPE_API_PROTOCOL ? { protocol: config.STRIPE_API_PROTOCOL } : {}),
    maxNetworkRetries: 1,
    timeout: 20_000,
    appInfo: { name: 'finserve-live' },
  });
}

/** STRIPE_WEBHOOK_SECRET, or for the sandbox a secret made at start when unset. */
export function webhookSecret(config: AppConfig): string {
  return config.STRIPE_WEBHOOK_SECRET ?? `whsec_sandbox_${randomBytes(24).toString('hex')}`;
}

/** A Checkout Session in payment mode; the deposit id travels as client_reference_id. */
export class StripeProvider implements PaymentProvider {
  readonly kind = 'stripe' as const;

  constructor(private readonly stripe: Stripe) {}

  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: request.depositId,
        metadata: { depositId: request.depositId },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: request.currency.toLowerCase(),
              unit_amount: request.amountCents,
              product_data: { name: 'finserve-live wallet funds' },
            },
          },
        ],
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      },
      // Stripe's own idempotency: a retried create returns the first session.
      { idempotencyKey: `deposit-${request.depositId}` },
    );
    if (!session.url) throw new Error(`checkout session ${session.id} has no url`);
    return { sessionId: session.id, url: session.url };
  }

  /** Stripe Connect Express: one account per streamer, ready once payouts are enabled. */
  async payoutDestination(userId: string, existing: string | null): Promise<PayoutDestination> {
    const account = existing
      ? await this.stripe.accounts.retrieve(existing)
      : await this.stripe.accounts.create(
          {
            type: 'express',
            metadata: { userId },
            capabilities: { transfers: { requested: true } },
          },
          { idempotencyKey: `payout-account-${userId}` },
        );
    return { accountId: account.id, ready: account.payouts_enabled === true };
  }

  async onboardingLink(accountId: string, returnUrl: string): Promise<string> {
    const link = await this.stripe.accountLinks.create({
      account: accountId,
      type: 'account_onboarding',
      refresh_url: returnUrl,
      return_url: returnUrl,
    });
    return link.url;
  }

  async transfer(request: TransferRequest): Promise<string> {
    const transfer = await this.stripe.transfers.create(
      {
        amount: request.amountCents,
        currency: request.currency.toLowerCase(),
        destination: request.accountId,
        metadata: { payoutId: request.payoutId },
        transfer_group: `payout-${request.payoutId}`,
      },
      { idempotencyKey: `payout-${request.payoutId}` },
    );
    return transfer.id;
  }
}

/** The TEST MODE page served by the API; its buttons post signed Stripe-format events. */
export class SandboxProvider implements PaymentProvider {
  readonly kind = 'sandbox' as const;

  createCheckout(request: CheckoutRequest): Promise<Checkout> {
    return Promise.resolve({
      sessionId: `cs_sandbox_${request.depositId}`,
      url: `/payments/sandbox/${request.depositId}`,
    });
  }

  /** Every user has a ready test account. */
  payoutDestination(userId: string): Promise<PayoutDestination> {
    return Promise.resolve({
      accountId: `acct_sandbox_${userId.replaceAll('-', '')}`,
      ready: true,
    });
  }

  onboardingLink(_accountId: string, returnUrl: string): Promise<string> {
    return Promise.resolve(returnUrl);
  }

  /** A test transfer always goes through; `transfer.reversed` (the sandbox page) fails it. */
  transfer(request: TransferRequest): Promise<string> {
    return Promise.resolve(`tr_sandbox_${request.payoutId.replaceAll('-', '')}`);
  }
}

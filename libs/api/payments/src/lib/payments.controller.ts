import { randomUUID } from 'node:crypto';

import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';

import { Public } from '@finserve/api/core';
import { formatMoney } from '@finserve/shared';

import { DepositStatus, type DepositRecord } from './payments.model';
import { PaymentsService, WebhookSignatureError } from './payments.service';
import { PayoutsService } from './payouts.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST /webhooks/stripe: the provider's signed events (raw body, Stripe-Signature header). */
@Public()
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('stripe')
  @HttpCode(200)
  async receive(
    @Req() req: Request,
    @Res() res: Response,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<void> {
    let event;
    try {
      event = this.payments.verify(Buffer.isBuffer(req.body) ? req.body : undefined, signature);
    } catch (error) {
      if (!(error instanceof WebhookSignatureError)) throw error;
      res.status(400).json({ code: 'BAD_USER_INPUT', message: 'Invalid webhook signature' });
      return;
    }
    const result = await this.payments.handle(event);
    res.status(200).json({ received: true, duplicate: !result.handled });
  }
}

type Lang = 'en' | 'fr';

const TEXT = {
  en: {
    title: 'Test payment',
    testMode: 'TEST MODE: no real money moves. This page stands in for the payment provider.',
    add: 'Add to your wallet:',
    pay: 'Pay',
    decline: 'Decline',
    done: 'This payment is',
    back: 'Back to the app',
    notFound: 'No such payment.',
    status: {
      PENDING: 'pending',
      SUCCEEDED: 'paid',
      FAILED: 'declined',
      CANCELED: 'canceled',
      REFUNDED: 'refunded',
    },
  },
  fr: {
    title: 'Paiement de test',
    testMode:
      'MODE TEST : aucun argent réel ne circule. Cette page tient lieu de prestataire de paiement.',
    add: 'Ajouter à votre portefeuille :',
    pay: 'Payer',
    decline: 'Refuser',
    done: 'Ce paiement est',
    back: "Retour à l'application",
    notFound: 'Paiement introuvable.',
    status: {
      PENDING: 'en attente',
      SUCCEEDED: 'payé',
      FAILED: 'refusé',
      CANCELED: 'annulé',
      REFUNDED: 'remboursé',
    },
  },
} as const;

const escape = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function languageOf(req: Request, query: string | undefined): Lang {
  if (query === 'fr' || query === 'en') return query;
  return req.acceptsLanguages('en', 'fr') === 'fr' ? 'fr' : 'en';
}

function page(lang: Lang, body: string): string {
  const t = TEXT[lang];
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${t.title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
.test{background:#b00020;color:#fff;padding:.5rem .75rem;font-weight:700;border-radius:4px}
.amount{font-size:2rem;margin:1rem 0}button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem}</style></head>
<body><p class="test" role="status">${t.testMode}</p><h1>${t.title}</h1>${body}</body></html>`;
}

/** Where to send the user after the page: the app's return page, or this page again. */
function returnTo(deposit: DepositRecord, lang: Lang): string {
  if (!deposit.returnUrl) return `/payments/sandbox/${deposit.id}?lang=${lang}`;
  const url = new URL(deposit.returnUrl);
  url.searchParams.set('deposit', deposit.id);
  return url.toString();
}

/**
 * The sandbox provider's payment page (PAYMENTS_PROVIDER=sandbox only). Pay and Decline build a
 * Stripe-format event, sign it with the webhook secret as Stripe does, and post it to this
 * server's own POST /webhooks/stripe: the same path, checks and code as real payments.
 */
@Public()
@Controller('payments/sandbox')
export class SandboxPaymentController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly payouts: PayoutsService,
  ) {}

  @Get(':id')
  async show(
    @Param('id') id: string,
    @Query('lang') langQuery: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const lang = languageOf(req, langQuery);
    const t = TEXT[lang];
    const deposit = await this.sandboxDeposit(id);
    res.type('html').setHeader('cache-control', 'no-store');
    if (!deposit) {
      res.status(404).send(page(lang, `<p>${t.notFound}</p>`));
      return;
    }
    const amount = escape(formatMoney(deposit.amountCents, deposit.currency));
    const body =
      deposit.status === DepositStatus.PENDING
        ? `<p>${t.add}</p><p class="amount">${amount}</p>
<form method="post" action="/payments/sandbox/${deposit.id}/pay?lang=${lang}" style="display:inline"><button type="submit">${t.pay}</button></form>
<form method="post" action="/payments/sandbox/${deposit.id}/decline?lang=${lang}" style="display:inline"><button type="submit">${t.decline}</button></form>`
        : `<p class="amount">${amount}</p><p>${t.done} <strong data-status="${deposit.status}">${t.status[deposit.status]}</strong>.</p>${
            deposit.returnUrl
              ? `<p><a href="${escape(returnTo(deposit, lang))}">${t.back}</a></p>`
              : ''
          }`;
    res.status(200).send(page(lang, body));
  }

  @Post(':id/pay')
  pay(
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.settle(id, true, req, res, languageOf(req, lang));
  }

  @Post(':id/decline')
  decline(
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.settle(id, false, req, res, languageOf(req, lang));
  }

  /**
   * TEST MODE: the provider reverses a paid sandbox payout (as Stripe's `transfer.reversed`), so
   * the failure path runs through the same webhook: the payout becomes FAILED, the money returns.
   */
  @Post('payouts/:id/reverse')
  async reversePayout(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const payout =
      this.payments.providerKind === 'sandbox' && UUID.test(id)
        ? await this.payouts.findById(id)
        : null;
    if (!payout?.providerTransferId?.startsWith('tr_sandbox_')) {
      res.status(404).json({ code: 'NOT_FOUND', message: 'Payout not found' });
      return;
    }
    await this.deliverToSelf(
      req,
      JSON.stringify({
        id: `evt_sandbox_${randomUUID().replaceAll('-', '')}`,
        object: 'event',
        api_version: null,
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'transfer.reversed',
        data: {
          object: {
            id: payout.providerTransferId,
            object: 'transfer',
            amount: payout.amountCents,
            amount_reversed: payout.amountCents,
            reversed: true,
            currency: payout.currency.toLowerCase(),
            metadata: { payoutId: payout.id },
            livemode: false,
          },
        },
      }),
    );
    const after = await this.payouts.findById(id);
    res.status(200).json({ id, status: after?.status });
  }

  /** Posts a signed event over HTTP to this very server, as the provider would deliver it. */
  private async deliverToSelf(req: Request, payload: string): Promise<void> {
    const host = req.socket.localAddress ?? '127.0.0.1';
    const origin = `http://${host.includes(':') ? `[${host}]` : host}:${req.socket.localPort}`;
    const delivered = await fetch(`${origin}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': this.payments.sign(payload),
      },
      body: payload,
    });
    if (!delivered.ok) throw new Error(`sandbox webhook answered ${delivered.status}`);
  }

  private async sandboxDeposit(id: string): Promise<DepositRecord | null> {
    if (this.payments.providerKind !== 'sandbox' || !UUID.test(id)) return null;
    const deposit = await this.payments.findById(id);
    return deposit?.provider === 'sandbox' ? deposit : null;
  }

  private async settle(
    id: string,
    paid: boolean,
    req: Request,
    res: Response,
    lang: Lang,
  ): Promise<void> {
    const deposit = await this.sandboxDeposit(id);
    if (!deposit) {
      res
        .status(404)
        .type('html')
        .send(page(lang, `<p>${TEXT[lang].notFound}</p>`));
      return;
    }
    if (deposit.status === DepositStatus.PENDING && deposit.providerSessionId) {
      const created = Math.floor(Date.now() / 1000);
      const payload = JSON.stringify({
        id: `evt_sandbox_${randomUUID().replaceAll('-', '')}`,
        object: 'event',
        api_version: null,
        created,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: paid ? 'checkout.session.completed' : 'checkout.session.async_payment_failed',
        data: {
          object: {
            id: deposit.providerSessionId,
            object: 'checkout.session',
            mode: 'payment',
            client_reference_id: deposit.id,
            metadata: { depositId: deposit.id },
            amount_total: deposit.amountCents,
            currency: deposit.currency.toLowerCase(),
            payment_status: paid ? 'paid' : 'unpaid',
            status: paid ? 'complete' : 'open',
            payment_intent: `pi_sandbox_${deposit.id.replaceAll('-', '')}`,
            livemode: false,
          },
        },
      });
      await this.deliverToSelf(req, payload);
    }
    res.redirect(303, returnTo(deposit, lang));
  }
}

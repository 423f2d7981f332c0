import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { Apollo } from 'apollo-angular';
import { firstValueFrom, map } from 'rxjs';

import { toUiError } from '@finserve/web/data-access';
import { DateTimePipe, MoneyPipe } from '@finserve/web/ui';

import {
  RequestPayoutDocument,
  WalletAddFundsDocument,
  WalletPageDocument,
  type WalletPageQuery,
} from './graphql.generated';

/** Amounts offered for adding funds, in cents. */
export const DEPOSIT_PRESETS = [10_00, 20_00, 50_00] as const;

/**
 * The wallet: balance and withdrawable earnings (USD), Add funds (the provider's page), Withdraw
 * (a payout of earnings; deposited money is never withdrawable), and the history of deposits, tips
 * sent and received, and payouts, as the server knows them.
 */
@Component({
  selector: 'fs-wallet-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DateTimePipe,
    FormsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MoneyPipe,
  ],
  templateUrl: './wallet-page.component.html',
  styleUrl: './wallet-page.component.scss',
})
export class WalletPageComponent {
  private readonly apollo = inject(Apollo);
  private readonly query = this.apollo.watchQuery({
    query: WalletPageDocument,
    fetchPolicy: 'network-only',
  });
  protected readonly data = toSignal(
    this.query.valueChanges.pipe(
      map((result): WalletPageQuery | null =>
        result.dataState === 'complete' ? result.data : null,
      ),
    ),
    { initialValue: null },
  );
  protected readonly usd = computed(
    () => this.data()?.myWallets.find((wallet) => wallet.currency === 'USD') ?? null,
  );
  protected readonly presets = DEPOSIT_PRESETS;
  protected readonly depositCents = signal<number>(DEPOSIT_PRESETS[1]);
  /** The amount to withdraw, in dollars as typed (a number input). */
  protected readonly withdrawDollars = signal<number | null>(null);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly payoutDone = signal<string | null>(null);
  private depositKey = crypto.randomUUID();
  private payoutKey = crypto.randomUUID();

  /** Starts a deposit and goes to the provider's page; the return page waits for its answer. */
  protected async addFunds(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: WalletAddFundsDocument,
          variables: {
            input: {
              amountCents: this.depositCents(),
              currency: 'USD',
              returnUrl: new URL('/wallet/return', window.location.origin).toString(),
              idempotencyKey: this.depositKey,
            },
          },
        }),
      );
      this.depositKey = crypto.randomUUID();
      const checkoutUrl = result.data?.addFunds.checkoutUrl;
      if (checkoutUrl) window.location.assign(new URL(checkoutUrl, window.location.origin).href);
      else this.busy.set(false);
    } catch (error) {
      this.error.set(toUiError(error).message);
      this.busy.set(false);
    }
  }

  /** Withdraws the typed amount (all that is withdrawable when empty). */
  protected async withdraw(): Promise<void> {
    const withdrawable = this.usd()?.withdrawableCents ?? 0;
    const typed = this.withdrawDollars();
    const amountCents = typed === null ? withdrawable : Math.round(typed * 100);
    if (this.busy() || amountCents <= 0) return;
    this.busy.set(true);
    this.error.set(null);
    this.payoutDone.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: RequestPayoutDocument,
          variables: {
            input: { amountCents, currency: 'USD', idempotencyKey: this.payoutKey },
          },
        }),
      );
      this.payoutKey = crypto.randomUUID();
      this.payoutDone.set(result.data?.requestPayout.status ?? null);
      this.withdrawDollars.set(null);
      await this.query.refetch();
    } catch (error) {
      const problem = toUiError(error);
      const onboarding = onboardingUrlOf(error);
      if (onboarding) {
        window.location.assign(onboarding);
        return;
      }
      this.error.set(
        problem.code === 'INSUFFICIENT_FUNDS'
          ? $localize`:@@wallet.notWithdrawable:Only money earned from tips can be withdrawn, up to your withdrawable amount.`
          : problem.message,
      );
    } finally {
      this.busy.set(false);
    }
  }
}

/** The provider's onboarding page when a payout needs the connected account set up first. */
export function onboardingUrlOf(error: unknown): string | null {
  const errors = (error as { errors?: { extensions?: Record<string, unknown> }[] }).errors;
  const url = errors?.[0]?.extensions?.['onboardingUrl'];
  return typeof url === 'string' && /^https:\/\//.test(url) ? url : null;
}

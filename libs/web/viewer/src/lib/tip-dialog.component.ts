import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  LOCALE_ID,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { TIP_MESSAGE_MAX_LENGTH } from '@finserve/shared';
import { toUiError } from '@finserve/web/data-access';
import { formatCents, MoneyPipe } from '@finserve/web/ui';

import { AddFundsDocument, SendTipDocument } from './graphql.generated';
import { parseTipAmount, TIP_MAX_CENTS, TIP_MIN_CENTS, TIP_PRESETS_CENTS } from './tip-amount';
import { watchUsdBalance } from './wallet-balance';

export interface TipDialogData {
  streamId: string;
  streamerName: string;
}

type Choice = number | 'custom';

/** What "Add funds" offers (the API accepts 5..1000 USD). */
export const DEPOSIT_PRESETS_CENTS = [1000, 2000, 5000] as const;

/**
 * "Send tip": presets or a custom amount, an optional message, the balance, clear errors. One
 * idempotency key for the dialog's life: however often Send is pressed, at most one tip.
 */
@Component({
  selector: 'fs-tip-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    FormsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatDialogModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    MoneyPipe,
  ],
  templateUrl: './tip-dialog.component.html',
  styleUrl: './tip-dialog.component.scss',
})
export class TipDialogComponent {
  protected readonly data = inject<TipDialogData>(MAT_DIALOG_DATA);
  private readonly apollo = inject(Apollo);
  private readonly locale = inject(LOCALE_ID);

  /** One key per dialog: a repeated or concurrent send is the same tip for the server. */
  readonly idempotencyKey = crypto.randomUUID();

  protected readonly presets = TIP_PRESETS_CENTS;
  protected readonly messageMax = TIP_MESSAGE_MAX_LENGTH;
  protected readonly choice = signal<Choice>(1000);
  protected readonly custom = signal('');
  protected readonly message = signal('');
  protected readonly sending = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly waitSeconds = signal(0);
  protected readonly sent = signal<{ amountCents: number; currency: string } | null>(null);

  private readonly balance = watchUsdBalance(this.apollo);
  private readonly wallets = this.balance.query;
  protected readonly balanceCents = this.balance.cents;
  protected readonly testMode = this.balance.testMode;

  protected readonly customError = computed(() => {
    if (this.choice() !== 'custom' || !this.custom().trim()) return null;
    const parsed = parseTipAmount(this.custom());
    if (!('error' in parsed)) return null;
    const money = (cents: number) => formatCents(cents, 'USD', this.locale);
    switch (parsed.error) {
      case 'TOO_SMALL':
        return $localize`:@@tip.tooSmall:The smallest tip is ${money(TIP_MIN_CENTS)}:amount:`;
      case 'TOO_LARGE':
        return $localize`:@@tip.tooLarge:The largest tip is ${money(TIP_MAX_CENTS)}:amount:`;
      default:
        return $localize`:@@tip.format:Enter an amount like 12 or 12.50`;
    }
  });
  protected readonly amountCents = computed(() => {
    const choice = this.choice();
    if (choice !== 'custom') return choice;
    const parsed = parseTipAmount(this.custom());
    return 'cents' in parsed ? parsed.cents : null;
  });

  /** The balance cannot pay the chosen tip: the dialog offers to add funds. */
  protected readonly short = computed(() => {
    const balance = this.balanceCents();
    const amount = this.amountCents();
    return balance !== null && amount !== null && balance < amount;
  });
  protected readonly depositPresets = DEPOSIT_PRESETS_CENTS;
  protected readonly depositCents = signal<number>(2000);
  protected readonly addingFunds = signal(false);
  /** One key per dialog: pressing Add funds twice starts one deposit. */
  private readonly depositKey = crypto.randomUUID();

  private timer?: ReturnType<typeof setInterval>;
  private inFlight?: Promise<void>;

  constructor() {
    inject(DestroyRef).onDestroy(() => clearInterval(this.timer));
  }

  protected choose(value: Choice): void {
    this.choice.set(value);
    this.error.set(null);
  }

  /** Concurrent clicks share the request in flight; the server dedupes by key as well. */
  protected send(): Promise<void> {
    this.inFlight ??= this.doSend().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async doSend(): Promise<void> {
    const amountCents = this.amountCents();
    if (!amountCents || this.sent()) return;
    this.sending.set(true);
    this.error.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: SendTipDocument,
          variables: {
            input: {
              streamId: this.data.streamId,
              amountCents,
              currency: 'USD',
              idempotencyKey: this.idempotencyKey,
              message: this.message().trim() || undefined,
            },
          },
        }),
      );
      const tip = result.data?.sendTip;
      if (tip) {
        this.sent.set({ amountCents: tip.amountCents, currency: tip.currency });
        await this.wallets.refetch();
      }
    } catch (error) {
      const problem = toUiError(error, 'tip');
      this.error.set(problem.message);
      if (problem.retryAfterSeconds) this.countDown(problem.retryAfterSeconds);
    } finally {
      this.sending.set(false);
    }
  }

  /**
   * Starts a deposit and goes to the provider's payment page; the provider sends the user back to
   * the app's return page, which waits for the provider's confirmation (never the client's word).
   */
  protected async addFunds(): Promise<void> {
    if (this.addingFunds()) return;
    this.addingFunds.set(true);
    this.error.set(null);
    try {
      const returnUrl = new URL('/wallet/return', window.location.origin);
      returnUrl.searchParams.set('stream', this.data.streamId);
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: AddFundsDocument,
          variables: {
            input: {
              amountCents: this.depositCents(),
              currency: 'USD',
              returnUrl: returnUrl.toString(),
              idempotencyKey: this.depositKey,
            },
          },
        }),
      );
      const checkoutUrl = result.data?.addFunds.checkoutUrl;
      if (checkoutUrl) window.location.assign(new URL(checkoutUrl, window.location.origin).href);
      else this.addingFunds.set(false);
    } catch (error) {
      this.error.set(toUiError(error, 'tip').message);
      this.addingFunds.set(false);
    }
  }

  private countDown(seconds: number): void {
    clearInterval(this.timer);
    this.waitSeconds.set(seconds);
    this.timer = setInterval(() => {
      const left = this.waitSeconds() - 1;
      this.waitSeconds.set(Math.max(0, left));
      if (left <= 0) {
        clearInterval(this.timer);
        this.error.set(null);
      }
    }, 1000);
  }
}

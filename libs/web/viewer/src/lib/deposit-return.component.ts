import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  input,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { map } from 'rxjs';

import { MoneyPipe } from '@finserve/web/ui';

import { MyDepositsDocument } from './graphql.generated';
import { watchUsdBalance } from './wallet-balance';

/**
 * Where the payment provider sends the user back (`/wallet/return?deposit=…&stream=…`). It shows
 * the deposit as the server knows it, polling until the provider's confirmation has arrived:
 * coming back here credits nothing by itself.
 */
@Component({
  selector: 'fs-deposit-return',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule, MatProgressBarModule, MoneyPipe, RouterLink],
  template: `
    <section class="deposit-return">
      <h1 i18n="@@deposit.title">Adding funds</h1>
      @if (testMode()) {
        <p class="test-mode" data-testid="payments-test-mode" i18n="@@payments.testMode">
          TEST MODE: no real money moves.
        </p>
      }
      @if (deposit(); as d) {
        <p class="amount">{{ d.amountCents | fsMoney: d.currency }}</p>
        <p role="status" data-testid="deposit-status" [attr.data-status]="d.status">
          @switch (d.status) {
            @case ('PENDING') {
              <ng-container i18n="@@deposit.pending"
                >Waiting for the payment provider's confirmation…</ng-container
              >
            }
            @case ('SUCCEEDED') {
              <ng-container i18n="@@deposit.succeeded"
                >Paid: the money is in your wallet.</ng-container
              >
            }
            @case ('FAILED') {
              <ng-container i18n="@@deposit.failed">The payment was declined.</ng-container>
            }
            @case ('CANCELED') {
              <ng-container i18n="@@deposit.canceled">The payment was canceled.</ng-container>
            }
            @case ('REFUNDED') {
              <ng-container i18n="@@deposit.refunded">The payment was refunded.</ng-container>
            }
          }
        </p>
        @if (d.status === 'PENDING') {
          <mat-progress-bar mode="indeterminate" />
        }
      } @else if (loaded()) {
        <p class="fs-error" role="alert" i18n="@@deposit.unknown">No such deposit.</p>
      }
      <p data-testid="deposit-balance" [attr.data-cents]="balanceCents()">
        <ng-container i18n="@@tip.balance">Balance:</ng-container>&nbsp;
        <strong>{{ balanceCents() ?? 0 | fsMoney }}</strong>
      </p>
      @if (stream(); as streamId) {
        <a mat-flat-button [routerLink]="['/streams', streamId]" data-testid="deposit-back">
          <mat-icon aria-hidden="true">arrow_back</mat-icon>
          <ng-container i18n="@@deposit.back">Back to the stream</ng-container>
        </a>
      }
    </section>
  `,
  styles: `
    .deposit-return {
      max-width: 32rem;
      margin: 32px auto;
      padding: 0 16px;
    }
    .test-mode {
      display: inline-block;
      padding: 4px 8px;
      border-radius: 4px;
      background: var(--mat-sys-error);
      color: var(--mat-sys-on-error);
      font-weight: 700;
    }
    .amount {
      font: var(--mat-sys-headline-medium);
    }
  `,
})
export class DepositReturnComponent {
  /** Query parameters (router input binding). */
  readonly depositId = input<string | undefined>(undefined, { alias: 'deposit' });
  readonly stream = input<string | undefined>(undefined);

  private readonly apollo = inject(Apollo);
  private readonly deposits = this.apollo.watchQuery({
    query: MyDepositsDocument,
    fetchPolicy: 'network-only',
    pollInterval: 1000,
  });
  private readonly balance = watchUsdBalance(this.apollo);
  private readonly wallets = this.balance.query;
  private readonly list = toSignal(
    this.deposits.valueChanges.pipe(
      map((result) => (result.dataState === 'complete' ? result.data.myDeposits : null)),
    ),
    { initialValue: null },
  );
  protected readonly loaded = computed(() => this.list() !== null);
  protected readonly deposit = computed(
    () => this.list()?.find((d) => d.id === this.depositId()) ?? null,
  );
  protected readonly balanceCents = this.balance.cents;
  protected readonly testMode = this.balance.testMode;

  constructor() {
    // Once the provider has answered, stop polling and show the new balance.
    const watch = this.deposits.valueChanges.subscribe((result) => {
      if (result.dataState !== 'complete') return;
      const deposit = result.data.myDeposits.find((d) => d.id === this.depositId());
      if (deposit?.status !== 'PENDING') {
        this.deposits.stopPolling();
        void this.wallets.refetch();
      }
    });
    inject(DestroyRef).onDestroy(() => {
      watch.unsubscribe();
      this.deposits.stopPolling();
    });
  }
}

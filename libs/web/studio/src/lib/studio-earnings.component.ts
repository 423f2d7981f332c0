import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { map } from 'rxjs';

import { MoneyPipe } from '@finserve/web/ui';

import { StudioEarningsDocument } from './graphql.generated';

/** The streamer's earnings that may be paid out (USD), with Withdraw (on the wallet page). */
@Component({
  selector: 'fs-studio-earnings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule, MoneyPipe, RouterLink],
  template: `
    <section class="earnings" aria-labelledby="earnings-heading">
      <h2 id="earnings-heading" i18n="@@studio.earnings">Earnings</h2>
      <p data-testid="studio-withdrawable" [attr.data-cents]="withdrawable()">
        <ng-container i18n="@@studio.withdrawable">Withdrawable:</ng-container>&nbsp;
        <strong>{{ withdrawable() ?? 0 | fsMoney }}</strong>
      </p>
      <a mat-stroked-button routerLink="/wallet" data-testid="studio-withdraw">
        <mat-icon aria-hidden="true">account_balance</mat-icon>
        <ng-container i18n="@@studio.withdraw">Withdraw</ng-container>
      </a>
    </section>
  `,
  styles: `
    .earnings {
      margin-top: 16px;
    }
  `,
})
export class StudioEarningsComponent {
  private readonly wallets = toSignal(
    inject(Apollo)
      .watchQuery({ query: StudioEarningsDocument, fetchPolicy: 'network-only' })
      .valueChanges.pipe(
        map((result) => (result.dataState === 'complete' ? result.data.myWallets : null)),
      ),
    { initialValue: null },
  );
  protected readonly withdrawable = computed(() => {
    const wallets = this.wallets();
    if (!wallets) return null;
    return wallets.find((wallet) => wallet.currency === 'USD')?.withdrawableCents ?? 0;
  });
}

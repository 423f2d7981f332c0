import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { catchError, map, of, switchMap } from 'rxjs';

import { DurationPipe, MoneyPipe } from '@finserve/web/ui';

import { StreamSummaryDocument } from './graphql.generated';

/**
 * What the studio shows after End: how the broadcast went (duration, peak and unique viewers,
 * chat messages, tips gross and net of the platform fee), with the way to its replay and its
 * stats page, and the way back to a new stream.
 */
@Component({
  selector: 'fs-stream-summary',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, MatButtonModule, MatCardModule, MatIconModule, DurationPipe, MoneyPipe],
  template: `
    <mat-card appearance="outlined" data-testid="stream-summary" [attr.data-stream-id]="streamId()">
      <mat-card-content>
        <h2 i18n="@@summary.heading">Your stream has ended</h2>
        @if (stream(); as stream) {
          <p class="title" data-testid="summary-title">{{ stream.title }}</p>
          <dl class="figures">
            <div>
              <dt i18n="@@summary.duration">Duration</dt>
              <dd data-testid="summary-duration" [attr.data-seconds]="stream.durationSeconds">
                {{ stream.durationSeconds | fsDuration }}
              </dd>
            </div>
            <div>
              <dt i18n="@@summary.peak">Peak viewers</dt>
              <dd data-testid="summary-peak">{{ stream.stats.peakViewers }}</dd>
            </div>
            <div>
              <dt i18n="@@summary.unique">Unique viewers</dt>
              <dd data-testid="summary-unique">{{ stream.stats.uniqueViewers }}</dd>
            </div>
            <div>
              <dt i18n="@@summary.messages">Chat messages</dt>
              <dd data-testid="summary-messages">{{ stream.stats.messageCount }}</dd>
            </div>
            @if (newFollowers() !== null) {
              <div>
                <dt i18n="@@summary.newFollowers">New followers</dt>
                <dd data-testid="summary-new-followers">{{ newFollowers() }}</dd>
              </div>
            }
            <div>
              <dt>
                <ng-container i18n="@@summary.tips">Tips</ng-container>
                (<span data-testid="summary-tip-count">{{ stream.stats.tipCount }}</span
                >)
              </dt>
              @for (total of tips(); track total.currency) {
                <dd class="money" data-testid="summary-tips" [attr.data-currency]="total.currency">
                  <span data-testid="summary-tips-gross">{{
                    total.gross | fsMoney: total.currency
                  }}</span>
                  <span class="sub" i18n="@@summary.net"
                    >net
                    <span data-testid="summary-tips-net">{{
                      total.net | fsMoney: total.currency
                    }}</span>
                    after the {{ total.gross - total.net | fsMoney: total.currency }} platform
                    fee</span
                  >
                </dd>
              } @empty {
                <dd data-testid="summary-tips-gross">{{ 0 | fsMoney }}</dd>
              }
            </div>
          </dl>
          <div class="actions">
            <a
              mat-stroked-button
              [routerLink]="['/streams', stream.id]"
              data-testid="summary-replay"
            >
              <mat-icon aria-hidden="true">replay</mat-icon
              ><span i18n="@@summary.replay">Watch the replay</span>
            </a>
            <a
              mat-stroked-button
              [routerLink]="['/streams', stream.id, 'stats']"
              data-testid="summary-stats"
            >
              <mat-icon aria-hidden="true">insights</mat-icon
              ><span i18n="@@summary.stats">Full stats</span>
            </a>
            <button mat-flat-button type="button" (click)="done.emit()" data-testid="summary-done">
              <mat-icon aria-hidden="true">add</mat-icon
              ><span i18n="@@summary.newStream">New stream</span>
            </button>
          </div>
        } @else if (failed()) {
          <p class="fs-error" role="alert" i18n="@@summary.failed">
            The figures of this stream could not be loaded.
          </p>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    h2 {
      font: var(--mat-sys-title-large);
      margin: 0 0 4px;
    }
    .title {
      margin: 0 0 12px;
      color: var(--mat-sys-on-surface-variant);
    }
    .figures {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
      gap: 8px;
      margin: 0 0 16px;
    }
    .figures > div {
      padding: 10px 14px;
      border-radius: 12px;
      background: var(--mat-sys-surface-container);
    }
    dt {
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      font: var(--mat-sys-headline-small);
      font-variant-numeric: tabular-nums;
    }
    .money .sub {
      display: block;
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
  `,
})
export class StreamSummaryComponent {
  private readonly apollo = inject(Apollo);

  /** The stream that just ended. */
  readonly streamId = input.required<string>();
  /** "New stream": back to the empty form. */
  readonly done = output();

  private readonly result = toSignal(
    toObservable(this.streamId).pipe(
      switchMap((id) =>
        this.apollo
          .query({ query: StreamSummaryDocument, variables: { id }, fetchPolicy: 'network-only' })
          .pipe(
            map((answer) => answer.data?.stream ?? null),
            catchError(() => of(null)),
          ),
      ),
    ),
  );
  protected readonly stream = computed(() => this.result() ?? undefined);
  /** Followers the channel gained while the stream was live (and kept). */
  protected readonly newFollowers = computed(() => this.stream()?.newFollowerCount ?? null);
  /** Answered, but without the stream (an error, or it is gone). */
  protected readonly failed = computed(() => this.result() === null);
  /** Gross and net per currency, in the order the server gives them. */
  protected readonly tips = computed(() => {
    const stats = this.stream()?.stats;
    if (!stats) return [];
    return stats.tipTotals.map((gross) => ({
      currency: gross.currency,
      gross: gross.amountCents,
      net:
        stats.tipNetTotals.find((net) => net.currency === gross.currency)?.amountCents ??
        gross.amountCents,
    }));
  });
}

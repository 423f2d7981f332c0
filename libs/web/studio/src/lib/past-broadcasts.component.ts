import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { catchError, map, of, switchMap } from 'rxjs';

import { DateTimePipe, DurationPipe } from '@finserve/web/ui';

import { PastBroadcastsDocument } from './graphql.generated';

/** The streamer's ended streams, newest first, each with its replay and its stats. */
@Component({
  selector: 'fs-past-broadcasts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, MatButtonModule, MatIconModule, DateTimePipe, DurationPipe],
  template: `
    <section aria-labelledby="past-heading" data-testid="past-broadcasts">
      <h2 id="past-heading" i18n="@@past.heading">Past broadcasts</h2>
      <ul>
        @for (stream of ended(); track stream.id) {
          <li data-testid="past-broadcast" [attr.data-stream-id]="stream.id">
            <a class="title" [routerLink]="['/streams', stream.id]">{{ stream.title }}</a>
            <span class="quiet">
              {{ stream.startedAt | fsDateTime }} · {{ stream.durationSeconds | fsDuration }} ·
              <ng-container i18n="@@past.peak">peak {{ stream.peakViewers }}</ng-container>
            </span>
            <span class="links">
              @if (stream.recording?.status === 'READY') {
                <a mat-button [routerLink]="['/streams', stream.id]" i18n="@@past.replay">Replay</a>
              }
              <a mat-button [routerLink]="['/streams', stream.id, 'stats']" i18n="@@past.stats"
                >Stats</a
              >
            </span>
          </li>
        } @empty {
          <li class="quiet" data-testid="past-empty" i18n="@@past.empty">
            Your ended streams will be listed here.
          </li>
        }
      </ul>
    </section>
  `,
  styles: `
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 16px 0 8px;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    li {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 4px 12px;
      padding: 6px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .title {
      font-weight: 600;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
    .links {
      margin-left: auto;
    }
  `,
})
export class PastBroadcastsComponent {
  private readonly apollo = inject(Apollo);

  readonly userId = input.required<string>();
  /** Bumped by the studio when a stream ends, so the list reads it again. */
  readonly refresh = input(0);

  private readonly streams = toSignal(
    toObservable(computed(() => ({ userId: this.userId(), refresh: this.refresh() }))).pipe(
      switchMap(({ userId }) =>
        this.apollo
          .query({
            query: PastBroadcastsDocument,
            variables: { userId },
            fetchPolicy: 'network-only',
          })
          .pipe(
            map((result) => result.data?.userStreams ?? []),
            catchError(() => of([])),
          ),
      ),
    ),
    { initialValue: [] },
  );
  protected readonly ended = computed(() =>
    this.streams().filter((stream) => stream.status === 'ENDED'),
  );
}

import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { Apollo } from 'apollo-angular';
import { switchMap } from 'rxjs';

import { RecentReplaysDocument } from './graphql.generated';
import { ReplayGridComponent } from './replay-grid.component';

/** "Recent replays": the latest past broadcasts of every channel (or of one category). */
@Component({
  selector: 'fs-recent-replays',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReplayGridComponent],
  template: `
    <section aria-labelledby="replays-heading" data-testid="recent-replays">
      <h2 id="replays-heading" i18n="@@list.replays">Recent replays</h2>
      @if (streams(); as streams) {
        @if (streams.length === 0) {
          <p class="quiet" i18n="@@list.replays.empty">No replays yet.</p>
        } @else {
          <fs-replay-grid [streams]="streams" />
        }
      }
    </section>
  `,
  styles: `
    h2 {
      font: var(--mat-sys-title-large);
      margin: 32px 0 12px;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class RecentReplaysComponent {
  private readonly apollo = inject(Apollo);

  readonly category = input<string | null>(null);
  readonly limit = input(12);

  private readonly result = toSignal(
    toObservable(computed(() => ({ category: this.category(), limit: this.limit() }))).pipe(
      switchMap(
        (variables) =>
          this.apollo.watchQuery({
            query: RecentReplaysDocument,
            variables,
            fetchPolicy: 'cache-and-network',
          }).valueChanges,
      ),
    ),
  );
  protected readonly streams = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.recentReplays : null;
  });
}

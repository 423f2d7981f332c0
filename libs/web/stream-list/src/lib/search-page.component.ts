import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Apollo } from 'apollo-angular';
import { of, switchMap } from 'rxjs';

import { toUiError } from '@finserve/web/data-access';

import { SearchStreamsDocument } from './graphql.generated';
import { SearchBoxComponent } from './search-box.component';
import { StreamRowsComponent } from './stream-rows.component';

/** `/search?q=`: streams matching the words; LIVE first, then scheduled, then replays. */
@Component({
  selector: 'fs-search-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatProgressBarModule, SearchBoxComponent, StreamRowsComponent],
  template: `
    <div class="fs-page" data-testid="search-page">
      <fs-search-box class="page-search" [value]="query()" />
      <h1 i18n="@@search.title">Results for “{{ query() }}”</h1>
      @if (!query()) {
        <p class="quiet" i18n="@@search.prompt">Type words in the search box.</p>
      } @else if (error(); as error) {
        <p class="fs-error" role="alert">{{ error }}</p>
      } @else if (results(); as results) {
        @if (results.length === 0) {
          <p class="quiet" data-testid="search-empty" i18n="@@search.empty">
            No stream matches these words.
          </p>
        } @else {
          <fs-stream-rows [streams]="results" />
        }
      } @else {
        <mat-progress-bar mode="indeterminate" />
      }
    </div>
  `,
  styles: `
    .page-search {
      display: block;
      max-width: 480px;
      margin-bottom: 16px;
    }
    h1 {
      font: var(--mat-sys-headline-small);
      margin: 0 0 16px;
      overflow-wrap: anywhere;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class SearchPageComponent {
  private readonly apollo = inject(Apollo);

  /** The query string's q. */
  readonly q = input<string | undefined>(undefined);
  protected readonly query = computed(() => (this.q() ?? '').trim().slice(0, 100));

  private readonly result = toSignal(
    toObservable(this.query).pipe(
      switchMap((query) =>
        query
          ? this.apollo.watchQuery({
              query: SearchStreamsDocument,
              variables: { query, limit: 48 },
              fetchPolicy: 'cache-and-network',
              errorPolicy: 'all',
            }).valueChanges
          : of(undefined),
      ),
    ),
  );
  protected readonly results = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.searchStreams : null;
  });
  protected readonly error = computed(() => {
    const error = this.result()?.error;
    return error ? toUiError(error).message : null;
  });
}

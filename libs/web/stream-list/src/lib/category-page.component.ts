import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { switchMap } from 'rxjs';

import { categoryName } from '@finserve/web/ui';

import { CategoryLiveStreamsDocument, HomeCategoriesDocument } from './graphql.generated';
import { RecentReplaysComponent } from './recent-replays.component';
import { StreamRowsComponent } from './stream-rows.component';

/** Re-read the category's live streams this often (streams start and end). */
const REFRESH_MS = 15_000;

/** `/categories/:slug`: a category's LIVE streams (most viewers first) and its recent replays. */
@Component({
  selector: 'fs-category-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    RecentReplaysComponent,
    RouterLink,
    StreamRowsComponent,
  ],
  template: `
    @if (category(); as category) {
      <div class="fs-page" data-testid="category-page" [attr.data-slug]="category.slug">
        <h1>{{ name() }}</h1>
        <p class="quiet">
          <span i18n="@@category.liveCount">{category.liveStreamCount, plural,
            =0 {Nobody live}
            =1 {1 live stream}
            other {{{ category.liveStreamCount }} live streams}
          }</span>
          ·
          <span i18n="@@category.watching">{category.viewerCount, plural,
            other {{{ category.viewerCount }} watching}
          }</span>
        </p>
        <h2 i18n="@@list.liveNow">Live now</h2>
        @if (live(); as live) {
          @if (live.length === 0) {
            <p class="quiet" data-testid="category-empty" i18n="@@category.empty">
              Nobody is live in this category right now.
            </p>
          } @else {
            <fs-stream-rows [streams]="live" />
          }
        } @else {
          <mat-progress-bar mode="indeterminate" />
        }
        <fs-recent-replays [category]="category.slug" />
      </div>
    } @else if (missing()) {
      <div class="fs-page" role="alert" data-testid="category-missing">
        <p i18n="@@category.missing">There is no such category.</p>
        <a mat-stroked-button routerLink="/" i18n="@@channel.home">Back to live streams</a>
      </div>
    } @else {
      <mat-progress-bar mode="indeterminate" />
    }
  `,
  styles: `
    h1 {
      font: var(--mat-sys-headline-medium);
      margin: 0 0 4px;
    }
    h2 {
      font: var(--mat-sys-title-large);
      margin: 24px 0 12px;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class CategoryPageComponent {
  private readonly apollo = inject(Apollo);

  /** The route's :slug. */
  readonly slug = input.required<string>();

  private readonly categories = toSignal(
    this.apollo.watchQuery({
      query: HomeCategoriesDocument,
      fetchPolicy: 'cache-and-network',
      pollInterval: REFRESH_MS,
    }).valueChanges,
  );
  protected readonly category = computed(() => {
    const result = this.categories();
    if (result?.dataState !== 'complete') return undefined;
    return result.data.categories.find((c) => c.slug === this.slug().toLowerCase());
  });
  protected readonly missing = computed(
    () => this.categories()?.dataState === 'complete' && !this.category(),
  );
  protected readonly name = computed(() => {
    const category = this.category();
    return category ? categoryName(category.slug, category.name) : '';
  });

  private readonly liveResult = toSignal(
    toObservable(this.slug).pipe(
      switchMap(
        (slug) =>
          this.apollo.watchQuery({
            query: CategoryLiveStreamsDocument,
            variables: { category: slug.toLowerCase(), limit: 48 },
            fetchPolicy: 'cache-and-network',
            pollInterval: REFRESH_MS,
          }).valueChanges,
      ),
    ),
  );
  protected readonly live = computed(() => {
    const result = this.liveResult();
    return result?.dataState === 'complete' ? result.data.liveStreams : null;
  });
}

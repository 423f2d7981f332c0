import { ChangeDetectionStrategy, Component, inject, input, output } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatChipsModule } from '@angular/material/chips';
import { Apollo } from 'apollo-angular';
import { map } from 'rxjs';

import { CategoryPipe } from '@finserve/web/ui';

import { HomeCategoriesDocument } from './graphql.generated';

/** Every category as a filter chip (with its live count), "All" first; one chosen at a time. */
@Component({
  selector: 'fs-category-chips',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CategoryPipe, MatChipsModule],
  template: `
    <mat-chip-listbox
      aria-label="Filter by category"
      i18n-aria-label="@@list.categories.label"
      [value]="selected()"
      (change)="selectedChange.emit($event.value ?? null)"
      data-testid="category-chips"
    >
      <mat-chip-option [value]="null" data-testid="category-chip-all" i18n="@@list.categories.all"
        >All</mat-chip-option
      >
      @for (category of categories(); track category.slug) {
        <mat-chip-option
          [value]="category.slug"
          [attr.data-testid]="'category-chip-' + category.slug"
          >{{ category | fsCategory }}
          @if (category.liveStreamCount > 0) {
            <span class="count">{{ category.liveStreamCount }}</span>
          }
        </mat-chip-option>
      }
    </mat-chip-listbox>
  `,
  styles: `
    :host {
      display: block;
      margin: 0 0 16px;
    }
    .count {
      margin-left: 6px;
      font-variant-numeric: tabular-nums;
      opacity: 0.7;
    }
  `,
})
export class CategoryChipsComponent {
  readonly selected = input<string | null>(null);
  readonly selectedChange = output<string | null>();

  protected readonly categories = toSignal(
    inject(Apollo)
      .watchQuery({ query: HomeCategoriesDocument, fetchPolicy: 'cache-and-network' })
      .valueChanges.pipe(
        map((result) => (result.dataState === 'complete' ? result.data.categories : [])),
      ),
    { initialValue: [] },
  );
}

import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Apollo } from 'apollo-angular';
import { map } from 'rxjs';

import { MAX_TAGS, TAG_MAX_LENGTH } from '@finserve/shared';
import { CategoryPipe } from '@finserve/web/ui';

import { StudioCategoriesDocument } from './graphql.generated';
import type { StreamFieldsGroup } from './stream-fields';

/** Title, description, category and tags of a stream: the fields of go-live, schedule and edit. */
@Component({
  selector: 'fs-stream-fields',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CategoryPipe, MatFormFieldModule, MatInputModule, MatSelectModule, ReactiveFormsModule],
  template: `
    <div class="fields" [formGroup]="group()">
      <mat-form-field appearance="outline">
        <mat-label i18n="@@studio.title">Title</mat-label>
        <input
          matInput
          formControlName="title"
          maxlength="120"
          [attr.data-testid]="prefix() + 'title'"
        />
        <mat-error i18n="@@studio.title.required">A title is required</mat-error>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label i18n="@@studio.description">Description (optional)</mat-label>
        <textarea
          matInput
          formControlName="description"
          rows="2"
          [attr.data-testid]="prefix() + 'description'"
        ></textarea>
      </mat-form-field>
      <div class="row">
        <mat-form-field appearance="outline">
          <mat-label i18n="@@studio.category">Category</mat-label>
          <mat-select formControlName="categorySlug" [attr.data-testid]="prefix() + 'category'">
            <mat-option value="" i18n="@@studio.category.none">None</mat-option>
            @for (category of categories(); track category.slug) {
              <mat-option [value]="category.slug">{{ category | fsCategory }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label i18n="@@studio.tags">Tags</mat-label>
          <input matInput formControlName="tags" [attr.data-testid]="prefix() + 'tags'" />
          <mat-hint i18n="@@studio.tags.hint">Comma-separated, e.g. eur-usd, scalping</mat-hint>
          <mat-error i18n="@@studio.tags.invalid"
            >Up to {{ maxTags }} tags of up to {{ tagLength }} letters, digits or "-"</mat-error
          >
        </mat-form-field>
      </div>
    </div>
  `,
  styles: `
    .fields {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
    }
    .row mat-form-field {
      flex: 1 1 200px;
    }
  `,
})
export class StreamFieldsComponent {
  readonly group = input.required<StreamFieldsGroup>();
  /** Prefix of the fields' data-testid (e.g. "stream-" gives stream-title). */
  readonly prefix = input('stream-');

  protected readonly maxTags = MAX_TAGS;
  protected readonly tagLength = TAG_MAX_LENGTH;
  protected readonly categories = toSignal(
    inject(Apollo)
      .watchQuery({ query: StudioCategoriesDocument, fetchPolicy: 'cache-first' })
      .valueChanges.pipe(
        map((result) => (result.dataState === 'complete' ? result.data.categories : [])),
      ),
    { initialValue: [] },
  );
}

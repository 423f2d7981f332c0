import { ChangeDetectionStrategy, Component, effect, inject, input } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatIconModule } from '@angular/material/icon';
import { Router } from '@angular/router';

import { SEARCH_QUERY_MAX_LENGTH } from '@finserve/shared';

/** The toolbar's search box: Enter opens `/search?q=<words>`. */
@Component({
  selector: 'fs-search-box',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatIconModule, ReactiveFormsModule],
  template: `
    <form role="search" (ngSubmit)="search()" [formGroup]="form">
      <mat-icon aria-hidden="true">search</mat-icon>
      <input
        type="search"
        formControlName="q"
        [maxlength]="max"
        placeholder="Search streams"
        i18n-placeholder="@@search.placeholder"
        aria-label="Search streams"
        i18n-aria-label="@@search.placeholder"
        data-testid="search-box"
      />
    </form>
  `,
  styles: `
    form {
      display: flex;
      align-items: center;
      gap: 4px;
      padding: 0 10px;
      height: 36px;
      border-radius: 18px;
      background: var(--mat-sys-surface-container-high);
    }
    input {
      border: 0;
      outline: 0;
      background: transparent;
      color: inherit;
      font: var(--mat-sys-body-medium);
      flex: 1 1 auto;
      min-width: 0;
      width: 16ch;
    }
    form:focus-within {
      outline: 2px solid var(--mat-sys-primary);
    }
  `,
})
export class SearchBoxComponent {
  private readonly router = inject(Router);
  /** The words shown at first (the search page shows its query). */
  readonly value = input('');
  protected readonly max = SEARCH_QUERY_MAX_LENGTH;
  protected readonly form = new FormGroup({
    q: new FormControl('', { nonNullable: true }),
  });

  constructor() {
    effect(() => this.form.controls.q.setValue(this.value()));
  }

  protected search(): void {
    const q = this.form.controls.q.value.trim();
    if (q) void this.router.navigate(['/search'], { queryParams: { q } });
  }
}

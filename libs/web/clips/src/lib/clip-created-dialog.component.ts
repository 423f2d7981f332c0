import { Clipboard } from '@angular/cdk/clipboard';
import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';

import { clipPageUrl } from './clip-logic';

export interface ClipCreatedDialogData {
  id: string;
  title: string;
  durationSeconds: number;
}

/** After "Clip": the new clip's page link, to open or to copy. */
@Component({
  selector: 'fs-clip-created-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatDialogModule, MatIconModule, RouterLink],
  template: `
    <h2 mat-dialog-title i18n="@@clips.created.title">Clip created</h2>
    <mat-dialog-content>
      <p i18n="@@clips.created.text">
        “{{ data.title }}”, {{ data.durationSeconds }} s, is ready in a moment at:
      </p>
      <p class="link">
        <a
          [routerLink]="['/clips', data.id]"
          mat-dialog-close
          data-testid="clip-created-link"
          [attr.data-clip-id]="data.id"
          >{{ url }}</a
        >
      </p>
      @if (copied() === true) {
        <p class="copied" role="status" data-testid="clip-link-copied">
          <mat-icon aria-hidden="true">check</mat-icon>
          <span i18n="@@clips.linkCopied">Link copied</span>
        </p>
      } @else if (copied() === false) {
        <p class="fs-error" role="alert">{{ copyFailed }}</p>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close i18n="@@clips.created.close">Close</button>
      <button mat-flat-button type="button" (click)="copy()" data-testid="clip-copy-link">
        <mat-icon aria-hidden="true">content_copy</mat-icon>
        <span i18n="@@clips.copyLink">Copy link</span>
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .link {
      overflow-wrap: anywhere;
      font-weight: 500;
    }
    .copied {
      display: flex;
      align-items: center;
      gap: 4px;
      color: var(--mat-sys-primary);
    }
  `,
})
export class ClipCreatedDialogComponent {
  protected readonly data = inject<ClipCreatedDialogData>(MAT_DIALOG_DATA);
  private readonly clipboard = inject(Clipboard);
  protected readonly url = clipPageUrl(inject(DOCUMENT).location?.origin ?? '', this.data.id);
  /** Null until Copy link is pressed; then whether the clipboard took it. */
  protected readonly copied = signal<boolean | null>(null);
  protected readonly copyFailed = $localize`:@@clips.copyFailed:The link could not be copied: select it and copy it.`;

  protected copy(): void {
    this.copied.set(this.clipboard.copy(this.url));
  }
}

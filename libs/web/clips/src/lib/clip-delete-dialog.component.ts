import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';

export interface ClipDeleteDialogData {
  title: string;
}

/** "Delete this clip?"; closes with true when confirmed. */
@Component({
  selector: 'fs-clip-delete-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatDialogModule],
  template: `
    <h2 mat-dialog-title i18n="@@clips.delete.title">Delete this clip?</h2>
    <mat-dialog-content i18n="@@clips.delete.text">
      “{{ data.title }}” will be gone for everyone. This cannot be undone.
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button
        mat-button
        type="button"
        [mat-dialog-close]="false"
        cdkFocusInitial
        i18n="@@clips.delete.cancel"
      >
        Cancel
      </button>
      <button
        mat-flat-button
        type="button"
        [mat-dialog-close]="true"
        data-testid="clip-delete-confirm"
        i18n="@@clips.delete.confirm"
      >
        Delete
      </button>
    </mat-dialog-actions>
  `,
})
export class ClipDeleteDialogComponent {
  protected readonly data = inject<ClipDeleteDialogData>(MAT_DIALOG_DATA);
}

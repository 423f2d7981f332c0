import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { EditableStreamDocument } from './graphql.generated';
import { StreamEditDialogComponent } from './stream-edit-dialog.component';

/** "Edit details" of the LIVE stream: title, description, category and tags, seen at once by viewers. */
@Component({
  selector: 'fs-studio-live-edit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule],
  template: `<button
    mat-button
    type="button"
    [disabled]="opening()"
    (click)="open()"
    data-testid="live-edit"
  >
    <mat-icon aria-hidden="true">edit</mat-icon><span i18n="@@studio.liveEdit">Edit details</span>
  </button>`,
})
export class StudioLiveEditComponent {
  private readonly apollo = inject(Apollo);
  private readonly dialog = inject(MatDialog);

  readonly streamId = input.required<string>();
  protected readonly opening = signal(false);

  protected async open(): Promise<void> {
    this.opening.set(true);
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: EditableStreamDocument,
          variables: { id: this.streamId() },
          fetchPolicy: 'network-only',
        }),
      );
      const stream = result.data?.stream;
      if (stream) this.dialog.open(StreamEditDialogComponent, { data: stream, width: '560px' });
    } finally {
      this.opening.set(false);
    }
  }
}

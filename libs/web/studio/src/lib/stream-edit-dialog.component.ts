import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { toUiError } from '@finserve/web/data-access';

import { UpdateStreamDocument, type EditableStreamFragment } from './graphql.generated';
import {
  browserTimeZone,
  dateAndTimeOf,
  localDateTime,
  streamFieldsGroup,
  streamFieldsValue,
} from './stream-fields';
import { StreamFieldsComponent } from './stream-fields.component';

/**
 * Edits a stream's title, description, category and tags (and its time while SCHEDULED) with
 * updateStream; a LIVE stream's viewers see the change at once. Closes with the updated stream.
 */
@Component({
  selector: 'fs-stream-edit-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    ReactiveFormsModule,
    StreamFieldsComponent,
  ],
  template: `
    <h2 mat-dialog-title i18n="@@studio.edit.title">Edit stream</h2>
    <form [formGroup]="fields" (ngSubmit)="save()" data-testid="stream-edit">
      <mat-dialog-content>
        <fs-stream-fields [group]="fields" prefix="edit-" />
        @if (stream.status === 'SCHEDULED') {
          <div class="when">
            <mat-form-field appearance="outline">
              <mat-label i18n="@@studio.schedule.date">Date</mat-label>
              <input matInput type="date" [formControl]="date" data-testid="edit-date" />
            </mat-form-field>
            <mat-form-field appearance="outline">
              <mat-label i18n="@@studio.schedule.time">Time</mat-label>
              <input matInput type="time" [formControl]="time" data-testid="edit-time" />
              <mat-hint>{{ timeZone }}</mat-hint>
            </mat-form-field>
          </div>
        }
        @if (error(); as error) {
          <p class="fs-error" role="alert" data-testid="edit-error">{{ error }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close i18n="@@studio.edit.cancel">
          Cancel
        </button>
        <button
          mat-flat-button
          type="submit"
          [disabled]="busy()"
          data-testid="edit-save"
          i18n="@@studio.edit.save"
        >
          Save
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .when {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
    }
  `,
})
export class StreamEditDialogComponent {
  private readonly apollo = inject(Apollo);
  private readonly ref = inject(MatDialogRef<StreamEditDialogComponent, EditableStreamFragment>);
  protected readonly stream = inject<EditableStreamFragment>(MAT_DIALOG_DATA);

  protected readonly fields = streamFieldsGroup();
  protected readonly timeZone = browserTimeZone();
  private readonly initial = this.stream.scheduledFor
    ? dateAndTimeOf(this.stream.scheduledFor)
    : { date: '', time: '' };
  protected readonly date = new FormControl(this.initial.date, { nonNullable: true });
  protected readonly time = new FormControl(this.initial.time, { nonNullable: true });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.fields.setValue({
      title: this.stream.title,
      description: this.stream.description ?? '',
      categorySlug: this.stream.category?.slug ?? '',
      tags: this.stream.tags.join(', '),
    });
  }

  protected async save(): Promise<void> {
    if (this.fields.invalid) {
      this.fields.markAllAsTouched();
      return;
    }
    const input: Record<string, unknown> = { ...streamFieldsValue(this.fields) };
    if (this.stream.status === 'SCHEDULED' && (this.date.dirty || this.time.dirty)) {
      const at = localDateTime(this.date.value, this.time.value);
      if (!at) {
        this.error.set($localize`:@@studio.schedule.invalid:Choose a date and a time.`);
        return;
      }
      input['scheduledFor'] = at;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: UpdateStreamDocument,
          variables: { id: this.stream.id, input },
          refetchQueries: ['MyStudioStreams', 'StudioSchedule'],
        }),
      );
      this.ref.close(result.data?.updateStream);
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }
}

import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Apollo } from 'apollo-angular';
import { firstValueFrom, map } from 'rxjs';

import { toUiError } from '@finserve/web/data-access';
import { CategoryPipe, DateTimePipe } from '@finserve/web/ui';

import { ConfirmDialogComponent, type ConfirmDialogData } from './confirm-dialog.component';
import {
  CancelScheduledStreamDocument,
  CreateStreamDocument,
  StudioScheduleDocument,
  type EditableStreamFragment,
} from './graphql.generated';
import { StreamEditDialogComponent } from './stream-edit-dialog.component';
import {
  browserTimeZone,
  localDateTime,
  streamFieldsGroup,
  streamFieldsValue,
} from './stream-fields';
import { StreamFieldsComponent } from './stream-fields.component';

/**
 * The studio's schedule: plan a stream (date and time in the streamer's time zone, shown), and
 * the streamer's scheduled streams, each with Edit and Cancel.
 */
@Component({
  selector: 'fs-studio-schedule',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CategoryPipe,
    DateTimePipe,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    ReactiveFormsModule,
    StreamFieldsComponent,
  ],
  template: `
    <mat-card appearance="outlined" data-testid="studio-schedule">
      <mat-card-content>
        <h2 i18n="@@studio.schedule.heading">Schedule</h2>
        <ul class="list" data-testid="scheduled-list">
          @for (stream of scheduled(); track stream.id) {
            <li data-testid="scheduled-item" [attr.data-stream-id]="stream.id">
              <span class="what">
                <strong>{{ stream.title }}</strong>
                <span class="quiet">
                  @if (stream.scheduledFor) {
                    {{ stream.scheduledFor | fsDateTime }}
                  }
                  @if (stream.category; as category) {
                    · {{ category | fsCategory }}
                  }
                  @for (tag of stream.tags; track tag) {
                    · #{{ tag }}
                  }
                </span>
              </span>
              <button
                mat-button
                type="button"
                (click)="edit(stream)"
                data-testid="scheduled-edit"
                i18n="@@studio.schedule.edit"
              >
                Edit
              </button>
              <button
                mat-button
                type="button"
                class="danger"
                (click)="cancel(stream)"
                data-testid="scheduled-cancel"
                i18n="@@studio.schedule.cancel"
              >
                Cancel stream
              </button>
            </li>
          } @empty {
            <li class="quiet" i18n="@@studio.schedule.empty">Nothing scheduled.</li>
          }
        </ul>

        @if (planning()) {
          <form
            [formGroup]="fields"
            (ngSubmit)="schedule()"
            class="plan"
            data-testid="schedule-form"
          >
            <fs-stream-fields [group]="fields" prefix="schedule-" />
            <div class="when">
              <mat-form-field appearance="outline">
                <mat-label i18n="@@studio.schedule.date">Date</mat-label>
                <input matInput type="date" [formControl]="date" data-testid="schedule-date" />
              </mat-form-field>
              <mat-form-field appearance="outline">
                <mat-label i18n="@@studio.schedule.time">Time</mat-label>
                <input matInput type="time" [formControl]="time" data-testid="schedule-time" />
                <mat-hint data-testid="schedule-time-zone">{{ timeZone }}</mat-hint>
              </mat-form-field>
            </div>
            @if (error(); as error) {
              <p class="fs-error" role="alert">{{ error }}</p>
            }
            <div class="actions">
              <button
                mat-flat-button
                type="submit"
                [disabled]="busy()"
                data-testid="schedule-submit"
                i18n="@@studio.schedule.submit"
              >
                Schedule
              </button>
              <button
                mat-button
                type="button"
                (click)="planning.set(false)"
                i18n="@@confirm.cancel"
              >
                Cancel
              </button>
            </div>
          </form>
        } @else {
          <button
            mat-stroked-button
            type="button"
            (click)="planning.set(true)"
            data-testid="schedule-open"
          >
            <mat-icon aria-hidden="true">event</mat-icon
            ><span i18n="@@studio.schedule.open">Schedule a stream</span>
          </button>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 0 0 8px;
    }
    .list {
      list-style: none;
      margin: 0 0 12px;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .list li {
      display: flex;
      align-items: center;
      flex-wrap: wrap;
      gap: 4px 8px;
    }
    .what {
      flex: 1 1 240px;
      display: flex;
      flex-direction: column;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
    .danger {
      color: var(--mat-sys-error);
    }
    .when,
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 12px;
      align-items: center;
    }
  `,
})
export class StudioScheduleComponent {
  private readonly apollo = inject(Apollo);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly fields = streamFieldsGroup();
  protected readonly date = new FormControl('', { nonNullable: true });
  protected readonly time = new FormControl('', { nonNullable: true });
  protected readonly timeZone = browserTimeZone();
  protected readonly planning = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  private readonly result = toSignal(
    this.apollo
      .watchQuery({ query: StudioScheduleDocument, fetchPolicy: 'cache-and-network' })
      .valueChanges.pipe(
        map((result) =>
          result.dataState === 'complete' ? (result.data.me?.scheduledStreams ?? []) : undefined,
        ),
      ),
  );
  protected readonly scheduled = computed(() => this.result() ?? []);

  protected async schedule(): Promise<void> {
    if (this.fields.invalid) {
      this.fields.markAllAsTouched();
      return;
    }
    const scheduledFor = localDateTime(this.date.value, this.time.value);
    if (!scheduledFor) {
      this.error.set($localize`:@@studio.schedule.invalid:Choose a date and a time.`);
      return;
    }
    if (Date.parse(scheduledFor) <= Date.now()) {
      this.error.set($localize`:@@studio.schedule.past:Choose a time in the future.`);
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await firstValueFrom(
        this.apollo.mutate({
          mutation: CreateStreamDocument,
          variables: { input: { ...streamFieldsValue(this.fields), scheduledFor } },
          refetchQueries: ['MyStudioStreams', 'StudioSchedule'],
          awaitRefetchQueries: true,
        }),
      );
      this.fields.reset();
      this.date.reset();
      this.time.reset();
      this.planning.set(false);
      this.snackBar.open($localize`:@@studio.schedule.done:Stream scheduled`, undefined, {
        duration: 3000,
      });
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected edit(stream: EditableStreamFragment): void {
    this.dialog.open(StreamEditDialogComponent, { data: stream, width: '560px' });
  }

  protected async cancel(stream: EditableStreamFragment): Promise<void> {
    const confirmed = await firstValueFrom(
      this.dialog
        .open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, {
          data: {
            title: $localize`:@@studio.schedule.cancelTitle:Cancel this stream?`,
            message: $localize`:@@studio.schedule.cancelMessage:It leaves the schedule and every list. This cannot be undone.`,
            confirm: $localize`:@@studio.schedule.cancelConfirm:Cancel stream`,
          },
        })
        .afterClosed(),
    );
    if (!confirmed) return;
    try {
      await firstValueFrom(
        this.apollo.mutate({
          mutation: CancelScheduledStreamDocument,
          variables: { id: stream.id },
          refetchQueries: ['MyStudioStreams', 'StudioSchedule'],
          awaitRefetchQueries: true,
        }),
      );
      this.snackBar.open($localize`:@@studio.schedule.cancelled:Stream cancelled`, undefined, {
        duration: 3000,
      });
    } catch (error) {
      this.error.set(toUiError(error).message);
    }
  }
}

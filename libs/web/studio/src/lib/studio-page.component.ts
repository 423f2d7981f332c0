import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import {
  EMPTY,
  exhaustMap,
  filter,
  firstValueFrom,
  interval,
  map,
  of,
  switchMap,
  timer,
  type Subscription,
} from 'rxjs';

import { ChatPanelComponent } from '@finserve/web/chat';
import { AuthService, TokenSession, toUiError } from '@finserve/web/data-access';
import { DateTimePipe, DurationPipe, LiveBadgeComponent, MoneyPipe } from '@finserve/web/ui';

import { ConfirmDialogComponent, type ConfirmDialogData } from './confirm-dialog.component';
import {
  BroadcastStreamDocument,
  CreateStreamDocument,
  EndStreamDocument,
  MyStudioStreamsDocument,
  StartStreamDocument,
  type StudioStreamFragment,
} from './graphql.generated';
import { connectionLabel, deviceName } from './labels';
import { PastBroadcastsComponent } from './past-broadcasts.component';
import { PublishLayersComponent } from './publish-layers.component';
import { PublishStats } from './publish-stats';
import { streamFieldsGroup, streamFieldsValue } from './stream-fields';
import { StreamFieldsComponent } from './stream-fields.component';
import { StreamSummaryComponent } from './stream-summary.component';
import { StudioCaptureStore } from './studio-capture.store';
import { StudioEarningsComponent } from './studio-earnings.component';
import { StudioFiguresStore } from './studio-figures.store';
import { StudioLiveEditComponent } from './studio-live-edit.component';
import { StudioPublisher } from './studio-publisher';
import { StudioScheduleComponent } from './studio-schedule.component';
import { THUMBNAIL_RETRY_MS, thumbnailDue, uploadThumbnail } from './thumbnail';

/**
 * `/studio`: the broadcast console. Devices and preview, title, Go live / End (confirmed), live
 * figures, chat with moderation, tips as they arrive, and the health of the outgoing video. The
 * devices are `StudioCaptureStore`'s, the broadcast `StudioPublisher`'s, its statistics
 * `PublishStats`'s, the live figures and tips `StudioFiguresStore`'s; the page runs the stream's
 * life (Go live, End).
 */
@Component({
  selector: 'fs-studio-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DateTimePipe,
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatSelectModule,
    ChatPanelComponent,
    DurationPipe,
    LiveBadgeComponent,
    MoneyPipe,
    PublishLayersComponent,
    PastBroadcastsComponent,
    StreamSummaryComponent,
    StreamFieldsComponent,
    StudioEarningsComponent,
    StudioLiveEditComponent,
    StudioScheduleComponent,
  ],
  providers: [StudioCaptureStore, PublishStats, StudioPublisher, StudioFiguresStore],
  templateUrl: './studio-page.component.html',
  styleUrl: './studio-page.component.scss',
})
export class StudioPageComponent {
  protected readonly capture = inject(StudioCaptureStore);
  protected readonly publisher = inject(StudioPublisher);
  protected readonly publishStats = inject(PublishStats);
  protected readonly figures = inject(StudioFiguresStore);
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly tokens = inject(TokenSession);

  protected readonly form = streamFieldsGroup();
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  /** Go live pressed on a stream that was not LIVE yet (its first broadcast is starting). */
  private readonly starting = signal(false);
  /** The stream just ended: its summary shows until "New stream". */
  protected readonly endedId = signal<string | null>(null);
  /** Counts ends, so the past broadcasts are read again. */
  protected readonly endCount = signal(0);
  protected readonly userId = computed(() => this.auth.user()?.id ?? null);
  protected readonly connectionLabel = computed(() => connectionLabel(this.publisher.connection()));
  protected readonly deviceName = deviceName;

  private readonly preview = viewChild<ElementRef<HTMLVideoElement>>('preview');
  private broadcast?: Subscription;

  /** The user's streams (newest first): the console works on the LIVE one, else a SCHEDULED one. */
  private readonly streams = toSignal(
    toObservable(this.auth.user).pipe(
      switchMap((user) =>
        user
          ? this.apollo
              .watchQuery({
                query: MyStudioStreamsDocument,
                variables: { userId: user.id },
                fetchPolicy: 'cache-and-network',
              })
              .valueChanges.pipe(
                map((result) => (result.dataState === 'complete' ? result.data.userStreams : [])),
              )
          : of([]),
      ),
    ),
    { initialValue: [] as StudioStreamFragment[] },
  );
  protected readonly current = computed<StudioStreamFragment | undefined>(
    () =>
      this.streams().find((stream) => stream.status === 'LIVE') ??
      this.streams().find((stream) => stream.status === 'SCHEDULED'),
  );
  protected readonly live = computed(() => this.current()?.status === 'LIVE');
  /** LIVE but this console is not sending (reopened, or the broadcast dropped): "Resume". */
  protected readonly interrupted = computed(
    () => this.live() && !this.publisher.publishing() && !this.starting(),
  );

  private readonly now = toSignal(interval(1000).pipe(map(() => Date.now())), {
    initialValue: Date.now(),
  });
  protected readonly durationSeconds = computed(() => {
    const startedAt = this.current()?.startedAt;
    return startedAt ? Math.max(0, (this.now() - Date.parse(startedAt)) / 1000) : 0;
  });

  private readonly liveId = computed(() => (this.live() ? this.current()?.id : undefined));
  private readonly liveId$ = toObservable(this.liveId);

  constructor() {
    this.figures.bind(this.liveId$);
    this.publisher.bind({
      live: this.live,
      capture: async () => {
        if (!this.capture.current) await this.startPreview();
        return this.capture.current;
      },
    });
    void this.startPreview();
    effect(() => {
      const video = this.preview()?.nativeElement;
      const stream = this.capture.stream();
      if (video && video.srcObject !== stream) video.srcObject = stream;
    });
    // While a stream is LIVE, the console keeps the streamer present (broadcastStream).
    effect(() => {
      const id = this.liveId();
      this.broadcast?.unsubscribe();
      this.broadcast = id
        ? this.apollo
            .subscribe({ query: BroadcastStreamDocument, variables: { id } })
            .subscribe({ error: () => undefined })
        : undefined;
    });
    // While LIVE, a frame of the preview for the list cards: 2 s after going live, then every 30 s
    // (a failed try is tried again 3 s later, not 30); stops when the stream ends or the console
    // closes.
    this.liveId$
      .pipe(
        switchMap((id) => {
          if (!id) return EMPTY;
          let lastUploadedAt: number | null = null;
          return timer(2000, THUMBNAIL_RETRY_MS).pipe(
            filter(() => thumbnailDue(lastUploadedAt, Date.now())),
            exhaustMap(() =>
              uploadThumbnail(id, this.preview()?.nativeElement, () => this.tokens.fresh()).then(
                (taken) => {
                  if (taken) lastUploadedAt = Date.now();
                },
              ),
            ),
          );
        }),
        takeUntilDestroyed(),
      )
      .subscribe();
    inject(DestroyRef).onDestroy(() => this.broadcast?.unsubscribe());
  }

  /** Opens the chosen devices; while publishing, sends the new tracks instead of the old. */
  protected startPreview(): Promise<void> {
    return this.capture.open(async () => {
      // Switching devices while live: publish the new tracks (replaces the previous publisher).
      const current = this.current();
      if (this.publisher.publishing() && current) await this.publisher.publish(current.id);
    });
  }

  protected async goLive(): Promise<void> {
    this.error.set(null);
    this.busy.set(true);
    this.starting.set(!this.live());
    try {
      let stream = this.current();
      if (!stream) {
        if (this.form.invalid) {
          this.form.markAllAsTouched();
          return;
        }
        const created = await firstValueFrom(
          this.apollo.mutate({
            mutation: CreateStreamDocument,
            variables: { input: streamFieldsValue(this.form) },
          }),
        );
        stream = created.data?.createStream;
      } else if (stream.status === 'SCHEDULED') {
        const started = await firstValueFrom(
          this.apollo.mutate({ mutation: StartStreamDocument, variables: { id: stream.id } }),
        );
        stream = started.data?.startStream;
      }
      if (!stream) return;
      await this.refreshStreams();
      await this.publisher.publish(stream.id);
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
      this.starting.set(false);
    }
  }

  protected async end(): Promise<void> {
    const stream = this.current();
    if (!stream) return;
    const confirmed = await firstValueFrom(
      this.dialog
        .open<ConfirmDialogComponent, ConfirmDialogData, boolean>(ConfirmDialogComponent, {
          data: {
            title: $localize`:@@studio.endDialog.title:End the stream?`,
            message: $localize`:@@studio.endDialog.message:Viewers will see that the stream has ended. This cannot be undone.`,
            confirm: $localize`:@@studio.end:End stream`,
          },
        })
        .afterClosed(),
    );
    if (!confirmed) return;
    this.busy.set(true);
    try {
      await firstValueFrom(
        this.apollo.mutate({ mutation: EndStreamDocument, variables: { id: stream.id } }),
      );
      this.publisher.stop();
      this.form.reset();
      await this.refreshStreams();
      this.endedId.set(stream.id);
      this.endCount.update((n) => n + 1);
      this.snackBar.open($localize`:@@studio.ended:The stream has ended`, undefined, {
        duration: 3000,
      });
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected setSource(source: 'camera' | 'screen'): void {
    this.capture.source.set(source);
    void this.startPreview();
  }

  private async refreshStreams(): Promise<void> {
    await this.apollo.client.refetchQueries({ include: [MyStudioStreamsDocument] });
  }
}

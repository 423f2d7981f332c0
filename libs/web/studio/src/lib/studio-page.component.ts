import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  LOCALE_ID,
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
  auditTime,
  EMPTY,
  exhaustMap,
  filter,
  firstValueFrom,
  ignoreElements,
  interval,
  map,
  merge,
  of,
  Subject,
  switchMap,
  timer,
  type Subscription,
} from 'rxjs';

import { ChatPanelComponent } from '@finserve/web/chat';
import { AuthService, reconnectDelayMs, TokenSession, toUiError } from '@finserve/web/data-access';
import {
  MediaService,
  outboundLayerRows,
  outboundLayerSamplesOf,
  recoveryDelayMs,
  videoHealth,
  videoSampleOf,
  watchSession,
  type MediaSessionHandle,
  type OutboundLayerRow,
  type OutboundLayerSample,
  type RtcVideoSample,
} from '@finserve/web/media';
import {
  DateTimePipe,
  DurationPipe,
  formatCents,
  LiveBadgeComponent,
  MoneyPipe,
} from '@finserve/web/ui';

import { openCapture, type Capture } from './capture';
import { ConfirmDialogComponent, type ConfirmDialogData } from './confirm-dialog.component';
import {
  BroadcastStreamDocument,
  CreateStreamDocument,
  EndStreamDocument,
  MyStudioStreamsDocument,
  StartStreamDocument,
  StudioChatActivityDocument,
  StudioStatsDocument,
  TipReceivedDocument,
  type StudioStreamFragment,
  type TipReceivedSubscription,
} from './graphql.generated';
import { connectionLabel, deviceName, type PublisherConnection } from './labels';
import { PastBroadcastsComponent } from './past-broadcasts.component';
import { PublishLayersComponent } from './publish-layers.component';
import { streamFieldsGroup, streamFieldsValue } from './stream-fields';
import { StreamFieldsComponent } from './stream-fields.component';
import { StreamSummaryComponent } from './stream-summary.component';
import { StudioEarningsComponent } from './studio-earnings.component';
import { StudioLiveEditComponent } from './studio-live-edit.component';
import { StudioScheduleComponent } from './studio-schedule.component';
import { THUMBNAIL_RETRY_MS, thumbnailDue, uploadThumbnail } from './thumbnail';

type ReceivedTip = TipReceivedSubscription['tipReceived'];

interface Health {
  bitrateKbps: number;
  fps: number;
  connection: RTCPeerConnectionState | 'idle';
}

/**
 * `/studio`: the broadcast console. Devices and preview, title, Go live / End (confirmed), live
 * figures, chat with moderation, tips as they arrive, and the health of the outgoing video.
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
  templateUrl: './studio-page.component.html',
  styleUrl: './studio-page.component.scss',
})
export class StudioPageComponent {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);
  private readonly media = inject(MediaService);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly tokens = inject(TokenSession);
  private readonly locale = inject(LOCALE_ID);

  protected readonly form = streamFieldsGroup();
  protected readonly source = signal<'camera' | 'screen'>('camera');
  protected readonly withCamera = signal(true);
  /** Publish H.264 so the stream is also served over low-latency HLS (kept across visits). */
  protected readonly forHls = signal(readHlsChoice());
  protected readonly cameraId = signal<string | undefined>(undefined);
  protected readonly microphoneId = signal<string | undefined>(undefined);
  protected readonly cameras = signal<MediaDeviceInfo[]>([]);
  protected readonly microphones = signal<MediaDeviceInfo[]>([]);
  protected readonly captureError = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly publishing = signal(false);
  /** Go live pressed on a stream that was not LIVE yet (its first broadcast is starting). */
  private readonly starting = signal(false);
  protected readonly hasPreview = signal(false);
  protected readonly tips = signal<ReceivedTip[]>([]);
  /** The stream just ended: its summary shows until "New stream". */
  protected readonly endedId = signal<string | null>(null);
  /** Counts ends, so the past broadcasts are read again. */
  protected readonly endCount = signal(0);
  protected readonly userId = computed(() => this.auth.user()?.id ?? null);
  protected readonly health = signal<Health>({ bitrateKbps: 0, fps: 0, connection: 'idle' });
  /** The simulcast layers sent, highest first (empty when not publishing). */
  protected readonly layers = signal<OutboundLayerRow[]>([]);
  /** The broadcast was lost (dropped by the server, failed, disconnected 2 s) and is sent again. */
  protected readonly reconnecting = signal(false);
  protected readonly connection = computed<PublisherConnection>(() =>
    this.reconnecting() ? 'reconnecting' : this.health().connection,
  );
  protected readonly connectionLabel = computed(() => connectionLabel(this.connection()));
  protected readonly deviceName = deviceName;

  private readonly preview = viewChild<ElementRef<HTMLVideoElement>>('preview');
  private capture?: Capture;
  private session?: MediaSessionHandle;
  private unwatch?: () => void;
  /** Attempts to publish again since the broadcast was last connected (the first is at once). */
  private recoveries = 0;
  private recoveryTimer?: ReturnType<typeof setTimeout>;
  private broadcast?: Subscription;
  private lastSample?: RtcVideoSample;
  private lastLayers: OutboundLayerSample[] = [];
  private readonly tipArrived = new Subject<void>();
  private readonly previewStream = signal<MediaStream | null>(null);

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
    () => this.live() && !this.publishing() && !this.starting(),
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

  /** Figures of the LIVE stream, re-read when something happens (a message, a tip), at most every 2 s. */
  private readonly stats = toSignal(
    this.liveId$.pipe(
      switchMap((id) => {
        if (!id) return of(undefined);
        const query = this.apollo.watchQuery({
          query: StudioStatsDocument,
          variables: { id },
          fetchPolicy: 'network-only',
        });
        const activity = merge(
          this.apollo.subscribe({
            query: StudioChatActivityDocument,
            variables: { streamId: id },
            fetchPolicy: 'no-cache',
          }),
          this.tipArrived,
        ).pipe(
          auditTime(2000),
          switchMap(() => query.refetch()),
          ignoreElements(),
        );
        return merge(
          query.valueChanges.pipe(
            map((result) =>
              result.dataState === 'complete' ? result.data.stream?.stats : undefined,
            ),
          ),
          activity,
        );
      }),
    ),
  );
  protected readonly messageCount = computed(() => this.stats()?.messageCount ?? 0);
  protected readonly tipTotal = computed(() => this.stats()?.tipTotals[0]);
  protected readonly tipNetTotal = computed(() => this.stats()?.tipNetTotals[0]);

  constructor() {
    void this.startPreview();
    effect(() => {
      const video = this.preview()?.nativeElement;
      const stream = this.previewStream();
      if (video && video.srcObject !== stream) video.srcObject = stream;
    });
    // Tips: a snackbar each and a running list.
    this.liveId$
      .pipe(
        switchMap((id) =>
          id
            ? this.apollo.subscribe({
                query: TipReceivedDocument,
                variables: { streamId: id },
                fetchPolicy: 'no-cache',
              })
            : EMPTY,
        ),
        map((result) => result.data?.tipReceived),
        filter((tip): tip is ReceivedTip => !!tip),
        takeUntilDestroyed(),
      )
      .subscribe((tip) => {
        if (this.tips().some((known) => known.id === tip.id)) return;
        this.tips.update((list) => [tip, ...list].slice(0, 50));
        this.tipArrived.next();
        const name = tip.from.displayName;
        const amount = formatCents(tip.amountCents, tip.currency, this.locale);
        const net = formatCents(tip.netCents, tip.currency, this.locale);
        const text = $localize`:@@studio.tipSnack:${name}:name: tipped ${amount}:amount: (you get ${net}:net:)`;
        this.snackBar.open(text, $localize`:@@common.ok:OK`, { duration: 6000 });
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
    // Health of the outgoing video, every 2 s while publishing.
    interval(2000)
      .pipe(takeUntilDestroyed())
      // A session closed under it (lost, being published again) has no statistics: skip that reading.
      .subscribe(() => void this.sampleHealth().catch(() => undefined));
    inject(DestroyRef).onDestroy(() => {
      this.broadcast?.unsubscribe();
      this.stopSession();
      this.capture?.stop();
    });
  }

  protected async startPreview(): Promise<void> {
    this.captureError.set(null);
    try {
      const capture = await openCapture({
        source: this.source(),
        cameraId: this.cameraId(),
        microphoneId: this.microphoneId(),
        withCamera: this.withCamera(),
      });
      this.capture?.stop();
      this.capture = capture;
      this.hasPreview.set(true);
      this.previewStream.set(capture.stream);
      await this.listDevices();
      // Show which devices the browser picked when none was chosen.
      if (this.source() === 'camera') {
        this.cameraId.set(capture.stream.getVideoTracks()[0]?.getSettings().deviceId);
      }
      this.microphoneId.set(capture.stream.getAudioTracks()[0]?.getSettings().deviceId);
      // Switching devices while live: publish the new tracks (replaces the previous publisher).
      const current = this.current();
      if (this.publishing() && current) await this.publish(current.id);
    } catch (error) {
      this.hasPreview.set(false);
      this.captureError.set(
        error instanceof Error && error.name === 'NotAllowedError'
          ? $localize`:@@studio.capture.refused:Camera or screen access was refused. Allow it in the browser and try again.`
          : $localize`:@@studio.capture.none:No camera or screen available.`,
      );
    }
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
      await this.publish(stream.id);
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
      this.stopSession();
      this.publishing.set(false);
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
    this.source.set(source);
    void this.startPreview();
  }

  protected setForHls(value: boolean): void {
    this.forHls.set(value);
    saveHlsChoice(value);
  }

  private async publish(streamId: string): Promise<void> {
    if (!this.capture) await this.startPreview();
    if (!this.capture) throw new Error('No camera to publish');
    this.unwatch?.();
    this.session?.close();
    const session = await this.media.publish(
      streamId,
      this.capture.stream,
      this.capture.content,
      this.forHls(),
    );
    this.session = session;
    this.lastSample = undefined;
    this.lastLayers = [];
    this.publishing.set(true);
    session.pc.addEventListener('connectionstatechange', () => {
      if (this.session !== session) return;
      this.health.update((health) => ({ ...health, connection: session.pc.connectionState }));
      if (session.pc.connectionState === 'connected') {
        this.reconnecting.set(false);
        this.recoveries = 0;
      }
    });
    // A lost broadcast is sent again (publishing again replaces the previous publisher).
    this.unwatch = watchSession(session, () => this.recover(streamId, session));
  }

  /** `lost` is gone: publish again, at once the first time, then with backoff while it fails. */
  private recover(streamId: string, lost: MediaSessionHandle): void {
    if (this.session !== lost || !this.live()) return;
    this.reconnecting.set(true);
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(
      () => {
        if (this.session !== lost || !this.live()) return;
        this.publish(streamId).catch(() => this.recover(streamId, lost));
      },
      recoveryDelayMs(this.recoveries++, reconnectDelayMs),
    );
  }

  /** Ends this console's broadcast session (ended, left the page): nothing is sent again. */
  private stopSession(): void {
    clearTimeout(this.recoveryTimer);
    this.unwatch?.();
    this.unwatch = undefined;
    this.session?.close();
    this.session = undefined;
    this.reconnecting.set(false);
  }

  private async sampleHealth(): Promise<void> {
    const session = this.session;
    if (!session || !this.publishing()) {
      this.health.set({ bitrateKbps: 0, fps: 0, connection: 'idle' });
      this.layers.set([]);
      return;
    }
    const report = await session.pc.getStats();
    const at = performance.now();
    const sample = videoSampleOf(report, 'outbound', at);
    const figures = videoHealth(this.lastSample, sample);
    this.lastSample = sample;
    const layers = outboundLayerSamplesOf(report, at);
    const rows = outboundLayerRows(this.lastLayers, layers);
    this.lastLayers = layers;
    this.layers.set(rows);
    // Simulcast: the bitrate is all layers together, the frame rate that of the fastest layer
    // (the frames of three layers added up would be three times the camera's).
    const fps = rows.length > 0 ? Math.max(...rows.map((row) => row.fps)) : figures.fps;
    this.health.set({ ...figures, fps, connection: session.pc.connectionState });
  }

  private async listDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    this.cameras.set(devices.filter((device) => device.kind === 'videoinput'));
    this.microphones.set(devices.filter((device) => device.kind === 'audioinput'));
  }

  private async refreshStreams(): Promise<void> {
    await this.apollo.client.refetchQueries({ include: [MyStudioStreamsDocument] });
  }
}

const HLS_CHOICE_KEY = 'finserve.studio.hls';

function readHlsChoice(): boolean {
  try {
    return globalThis.localStorage?.getItem(HLS_CHOICE_KEY) === 'true';
  } catch {
    return false;
  }
}

/** Remembers the streamer's HLS choice in this browser. */
export function saveHlsChoice(value: boolean): void {
  try {
    globalThis.localStorage?.setItem(HLS_CHOICE_KEY, String(value));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

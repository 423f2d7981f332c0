import {
  computed,
  DestroyRef,
  effect,
  inject,
  Injectable,
  signal,
  untracked,
  type Signal,
} from '@angular/core';
import { Apollo } from 'apollo-angular';

import { reconnectDelayMs, toUiError } from '@finserve/web/data-access';
import {
  inboundVideoSampleOf,
  MediaService,
  playbackStats,
  recoveryDelayMs,
  watchSession,
  type InboundVideoSample,
  type MediaSessionHandle,
  type PlaybackStats,
} from '@finserve/web/media';

import {
  StreamVideoLayersDocument,
  type PlayerVideoLayerFragment,
  type VideoQuality,
} from './graphql.generated';
import { isBehindLive, seekTarget, type HlsReading } from './hls-controls';
import { HlsPlayback, type HlsAttachment } from './hls-playback';
import {
  cannotConnect,
  CONNECT_TIMEOUT_MS,
  failureOfPlayError,
  playbackOf,
  type Playback,
  type WebRtcFailure,
} from './playback-mode';
import { nextPlayerState, type PlayerState } from './player-state';
import { playingLayerLabel } from './quality';

/** While the stats panel is open, the layers are re-read every this many checks (seconds). */
const LAYER_REFRESH_CHECKS = 5;
/** Readings closer together than this are not compared. */
const MIN_STATS_INTERVAL_MS = 500;

/** What the player gives the store: its inputs and its video element. */
export interface LivePlayerBinding {
  streamId: Signal<string>;
  active: Signal<boolean>;
  hlsUrl: Signal<string | null>;
  video: () => HTMLVideoElement;
}

/**
 * The live player's playback (provided by each player): WebRTC sessions, or the stream's
 * low-latency HLS, their states, the quality chosen and the stats. WebRTC by default: a lost
 * session (dropped by the server, failed, or disconnected for 2 s: see `watchSession`) is opened
 * again at once, then with backoff while that keeps failing, as long as `active` stays true. HLS
 * ("Stable", a few seconds behind) plays instead when the viewer picks it, or when WebRTC cannot
 * connect (see `playbackOf`).
 */
@Injectable()
export class LivePlaybackStore {
  private readonly media = inject(MediaService);
  private readonly apollo = inject(Apollo);
  private readonly hls = inject(HlsPlayback);
  private readonly destroyRef = inject(DestroyRef);

  readonly state = signal<PlayerState>('connecting');
  /** The viewer's choice, asked for again on every (re)connection. */
  readonly quality = signal<VideoQuality>('AUTO');
  /** The layers the stream sends, highest first (read when playing starts and the menu opens). */
  readonly layers = signal<PlayerVideoLayerFragment[]>([]);
  readonly statsOpen = signal(false);
  readonly stats = signal<PlaybackStats | null>(null);
  readonly layerLabel = computed(() =>
    playingLayerLabel(this.quality(), this.stats()?.height ?? 0, this.layers()),
  );
  /** WebRTC, or HLS and why. */
  readonly playback = signal<Playback>({ mode: 'webrtc' });
  /** HLS only: the DVR window, the position and the figures (read once a second). */
  readonly hlsReading = signal<HlsReading | null>(null);
  /** HLS only: rewound (or fallen) behind live, so "Back to live" shows. */
  readonly behindLive = computed(() => {
    const reading = this.hlsReading();
    return reading !== null && isBehindLive(reading);
  });
  /** The viewer picked "Stable" (HLS) in the menu. */
  private readonly stableChosen = signal(false);
  /** The menu offers "Stable": the stream has HLS and this browser plays it. */
  readonly stableOffered = computed(
    () => this.playback().mode === 'hls' || (!!this.binding?.hlsUrl() && this.hlsEngine() !== null),
  );

  private binding?: LivePlayerBinding;
  private session?: MediaSessionHandle;
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private unwatch?: () => void;
  private generation = 0;
  private lastFrames = 0;
  private checksWithoutFrame = 0;
  private lastInbound?: InboundVideoSample;
  private checks = 0;
  private hlsAttachment?: HlsAttachment;
  private connectTimer?: ReturnType<typeof setTimeout>;
  /** WebRTC attempts in a row that could not connect (see `cannotConnect`). */
  private failuresInARow = 0;
  private playedWebRtc = false;

  /** Plays `binding`'s stream while it is active; call once, from the player's constructor. */
  bind(binding: LivePlayerBinding): void {
    this.binding = binding;
    effect(() => {
      const streamId = binding.streamId();
      const active = binding.active();
      untracked(() => (active ? void this.start(streamId, 'connecting') : this.stop()));
    });
    // Once a second: frames arriving (playing) or not (waiting for the streamer's video).
    const checker = setInterval(() => this.check(), 1000);
    this.destroyRef.onDestroy(() => {
      clearInterval(checker);
      this.stop();
    });
  }

  private get bound(): LivePlayerBinding {
    if (!this.binding) throw new Error('LivePlaybackStore used before bind()');
    return this.binding;
  }

  private video(): HTMLVideoElement {
    return this.bound.video();
  }

  onPlaying(): void {
    this.state.set('playing');
    this.attempt = 0;
    if (this.playback().mode === 'webrtc') this.playedWebRtc = true;
  }

  private hlsEngine() {
    return this.hls.engine(this.video());
  }

  private check(): void {
    if (this.hlsAttachment) {
      this.hlsReading.set(this.hlsAttachment.read());
      return;
    }
    const session = this.session;
    if (!session) return;
    const video = this.video();
    const frames = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    this.checksWithoutFrame = frames > this.lastFrames ? 0 : this.checksWithoutFrame + 1;
    this.lastFrames = frames;
    const connected = session.pc.connectionState === 'connected';
    // Frames again: the next loss is opened again at once.
    if (connected && this.checksWithoutFrame === 0) this.attempt = 0;
    this.state.set(
      nextPlayerState(this.state(), { connected, checksWithoutFrame: this.checksWithoutFrame }),
    );
    if (this.statsOpen()) {
      void this.sampleStats(session);
      if (++this.checks % LAYER_REFRESH_CHECKS === 0) this.refreshLayers();
    }
  }

  private async sampleStats(session: MediaSessionHandle): Promise<void> {
    const sample = inboundVideoSampleOf(await session.pc.getStats(), performance.now());
    if (session !== this.session) return;
    // The panel's first reading and the next check can come a few ms apart: rates over so short a
    // time are noise (5 frames in 50 ms is not 100 fps), so wait for the next second.
    if (sample && this.lastInbound && sample.at - this.lastInbound.at < MIN_STATS_INTERVAL_MS)
      return;
    this.stats.set(sample ? playbackStats(this.lastInbound, sample) : null);
    this.lastInbound = sample;
  }

  toggleStats(): void {
    const open = !this.statsOpen();
    this.statsOpen.set(open);
    if (!open) return;
    this.stats.set(null);
    this.lastInbound = undefined;
    this.refreshLayers();
    if (this.session) void this.sampleStats(this.session);
  }

  /**
   * A layer, or AUTO: at once on this session (next keyframe), and on every reconnection. From
   * HLS: back to WebRTC.
   */
  chooseQuality(quality: VideoQuality): void {
    this.quality.set(quality);
    if (this.stableChosen() || this.playback().mode === 'hls') {
      this.stableChosen.set(false);
      this.failuresInARow = 0;
      void this.start(this.bound.streamId(), 'connecting');
      return;
    }
    const session = this.session;
    // A failure (the session just dropped) is fine: the reconnection asks for the choice.
    if (session) this.media.setPlaybackQuality(session.sessionId, quality).catch(() => undefined);
  }

  /** HLS: plays from `position` in the DVR window (kept between its start and live). */
  seekHls(position: number): void {
    const attachment = this.hlsAttachment;
    const reading = attachment?.read();
    if (!attachment || !reading) return;
    attachment.seek(seekTarget(position, reading));
    this.hlsReading.set(attachment.read());
  }

  /** HLS: back to the live point after a rewind. */
  backToLive(): void {
    const reading = this.hlsAttachment?.read();
    if (reading) this.seekHls(reading.live);
  }

  /** "Stable": the stream's HLS, a few seconds behind. */
  chooseStable(): void {
    this.stableChosen.set(true);
    if (this.playback().mode === 'hls') this.playback.set(this.decide(null));
    else void this.start(this.bound.streamId(), 'connecting');
  }

  /** WebRTC or HLS, after `failure` (null: before any attempt). */
  private decide(failure: WebRtcFailure | null): Playback {
    return playbackOf({
      stableChosen: this.stableChosen(),
      failure,
      failuresInARow: this.failuresInARow,
      playedWebRtc: this.playedWebRtc,
      hlsUrl: this.bound.hlsUrl(),
      engine: this.hlsEngine(),
    });
  }

  refreshLayers(): void {
    this.apollo
      .query({
        query: StreamVideoLayersDocument,
        variables: { id: this.bound.streamId() },
        fetchPolicy: 'network-only',
      })
      .subscribe({
        next: (result) => this.layers.set(result.data?.stream?.videoLayers ?? []),
        error: () => undefined,
      });
  }

  private async start(streamId: string, state: PlayerState): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    this.state.set(state);
    const playback = this.decide(null);
    this.playback.set(playback);
    if (playback.mode === 'hls') return this.startHls(playback, generation);
    const quality = this.quality();
    try {
      const session = await this.media.play(
        streamId,
        (stream) => {
          const video = this.video();
          if (video.srcObject !== stream) video.srcObject = stream;
        },
        quality,
      );
      if (generation !== this.generation) {
        session.close();
        return;
      }
      this.session = session;
      this.lastFrames = 0;
      this.checksWithoutFrame = 0;
      this.lastInbound = undefined;
      // Chosen while this session was being set up: apply it now.
      if (this.quality() !== quality) this.chooseQuality(this.quality());
      this.refreshLayers();
      let connected = session.pc.connectionState === 'connected';
      const connectedNow = () => {
        connected = true;
        this.failuresInARow = 0;
      };
      if (connected) connectedNow();
      this.unwatch = watchSession(session, () =>
        this.retry(streamId, generation, connected ? 'lost' : 'unreachable'),
      );
      session.pc.addEventListener('connectionstatechange', () => {
        const connection = session.pc.connectionState;
        if (generation !== this.generation) return;
        if (connection === 'connected') connectedNow();
        if (connection === 'disconnected') this.state.set('reconnecting');
        if (connection === 'connected' && this.video().readyState >= 2) this.state.set('playing');
      });
      this.connectTimer = setTimeout(() => {
        if (connected || generation !== this.generation) return;
        this.unwatch?.();
        this.unwatch = undefined;
        this.retry(streamId, generation, 'unreachable');
      }, CONNECT_TIMEOUT_MS);
    } catch (error) {
      this.retry(streamId, generation, failureOfPlayError(toUiError(error).code));
    }
  }

  private async startHls(playback: Playback & { mode: 'hls' }, generation: number): Promise<void> {
    const video = this.video();
    const failed = () => {
      if (generation !== this.generation || !this.bound.active()) return;
      this.state.set('reconnecting');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(
        () => void this.start(this.bound.streamId(), 'reconnecting'),
        reconnectDelayMs(this.attempt++),
      );
    };
    try {
      const attachment = await this.hls.attach(video, playback.url, playback.engine, failed);
      if (generation !== this.generation) attachment.destroy();
      else this.hlsAttachment = attachment;
    } catch {
      // hls.js could not be loaded (the network dropped): try again later.
      failed();
    }
  }

  private retry(streamId: string, generation: number, failure: WebRtcFailure): void {
    if (generation !== this.generation || !this.bound.active()) return;
    if (cannotConnect(failure)) this.failuresInARow++;
    const next = this.decide(failure);
    if (next.mode === 'hls') {
      this.stop();
      const hlsGeneration = ++this.generation;
      this.state.set('connecting');
      this.playback.set(next);
      void this.startHls(next, hlsGeneration);
      return;
    }
    // The stream may have HLS by now: learn it for the next failure.
    if (cannotConnect(failure) && !this.bound.hlsUrl()) this.refreshLayers();
    this.state.set('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => void this.start(streamId, 'reconnecting'),
      recoveryDelayMs(this.attempt++, reconnectDelayMs),
    );
  }

  private stop(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    this.hlsAttachment?.destroy();
    this.hlsAttachment = undefined;
    this.hlsReading.set(null);
    this.unwatch?.();
    this.unwatch = undefined;
    this.session?.close();
    this.session = undefined;
    this.state.set('stopped');
  }
}

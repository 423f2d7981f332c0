import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';

import type { PlaybackStats } from '@finserve/web/media';

import type { HlsReading } from './hls-controls';

/** "Stats for nerds": what the player receives, read once a second (see `playbackStats`). */
@Component({
  selector: 'fs-playback-stats',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DecimalPipe, MatButtonModule, MatIconModule],
  template: `
    <div class="head">
      <span i18n="@@player.statsForNerds">Stats for nerds</span>
      <button
        mat-icon-button
        type="button"
        (click)="closed.emit()"
        aria-label="Close the statistics"
        i18n-aria-label="@@player.stats.close"
      >
        <mat-icon aria-hidden="true">close</mat-icon>
      </button>
    </div>
    @if (hls(); as h) {
      <dl data-testid="playback-stats" data-mode="hls">
        <dt i18n="@@player.stats.rendition">Rendition</dt>
        <dd data-stat="hls-level">
          @if (h.level; as level) {
            {{ level.width }}×{{ level.height }}
          } @else {
            –
          }
        </dd>
        <dt i18n="@@player.stats.bitrate">Bitrate</dt>
        <dd data-stat="hls-bitrate">
          @if (h.level; as level) {
            <ng-container i18n="@@player.stats.levelKbps"
              >{{ level.bitrateKbps | number }} kbps</ng-container
            >
          } @else {
            –
          }
        </dd>
        <dt i18n="@@player.stats.buffer">Buffer</dt>
        <dd data-stat="hls-buffer" i18n="@@player.stats.secondsValue">
          {{ h.bufferSeconds | number: '1.1-1' }} s
        </dd>
        <dt i18n="@@player.stats.latency">Behind the live edge</dt>
        <dd data-stat="hls-latency" i18n="@@player.stats.secondsValue">
          {{ h.latencySeconds | number: '1.1-1' }} s
        </dd>
        <dt i18n="@@player.stats.dropped">Dropped frames</dt>
        <dd data-stat="hls-dropped" i18n="@@player.stats.droppedValue">
          {{ h.droppedFrames | number }} of {{ h.totalFrames | number }}
        </dd>
      </dl>
    } @else if (stats(); as s) {
      <dl data-testid="playback-stats" data-mode="webrtc">
        <dt i18n="@@player.stats.resolution">Resolution</dt>
        <dd data-stat="resolution">{{ s.width }}×{{ s.height }}</dd>
        <dt i18n="@@player.stats.fps">Frame rate</dt>
        <dd data-stat="fps" i18n="@@player.stats.fpsValue">{{ s.fps }} fps</dd>
        <dt i18n="@@player.stats.bitrate">Bitrate</dt>
        <dd data-stat="bitrate" i18n="@@player.stats.kbpsValue">
          {{ s.bitrateKbps | number }} kbps
        </dd>
        <dt i18n="@@player.stats.layer">Layer</dt>
        <dd data-stat="layer">{{ layer() }}</dd>
        <dt i18n="@@player.stats.loss">Packet loss</dt>
        <dd data-stat="loss" i18n="@@player.stats.lossValue">
          {{ s.packetLossPercent | number: '1.1-1' }}%
        </dd>
        <dt i18n="@@player.stats.jitter">Jitter</dt>
        <dd data-stat="jitter" i18n="@@player.stats.msValue">{{ s.jitterMs }} ms</dd>
        <dt i18n="@@player.stats.rtt">Round trip</dt>
        <dd data-stat="rtt">
          @if (s.rttMs === null) {
            –
          } @else {
            <ng-container i18n="@@player.stats.msValue">{{ s.rttMs }} ms</ng-container>
          }
        </dd>
      </dl>
    } @else {
      <p i18n="@@player.stats.none">No video received yet.</p>
    }
  `,
  styles: `
    :host {
      display: block;
      min-width: 240px;
      padding: 4px 4px 8px 12px;
      border-radius: 8px;
      background: rgb(0 0 0 / 0.72);
      color: #fff;
      font: var(--mat-sys-body-small);
      font-variant-numeric: tabular-nums;
      --mat-icon-button-icon-color: #fff;
    }
    .head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      font: var(--mat-sys-label-large);
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 2px 12px;
      margin: 0;
      padding-right: 8px;
    }
    dt {
      color: rgb(255 255 255 / 0.7);
    }
    dd {
      margin: 0;
    }
    p {
      margin: 0;
    }
  `,
})
export class PlaybackStatsComponent {
  /** Null before the first reading with video. */
  readonly stats = input.required<PlaybackStats | null>();
  /** HLS playback's reading (hls.js's rendition, buffer, latency): shown instead of `stats`. */
  readonly hls = input<HlsReading | null>(null);
  /** The layer playing, in words ("Auto → 720p (High)"). */
  readonly layer = input.required<string>();
  readonly closed = output();
}

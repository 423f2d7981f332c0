import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDividerModule } from '@angular/material/divider';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatTooltipModule } from '@angular/material/tooltip';

import { qualityName, resolutionLabel } from '@finserve/web/ui';

import type { PlayerVideoLayerFragment, VideoQuality } from './graphql.generated';

/**
 * The player's settings menu: the picture quality ("Auto" or a layer the stream sends, by its
 * resolution, or "Stable": the stream's HLS, a few seconds behind; the current one checked) and
 * the "Stats for nerds" switch.
 */
@Component({
  selector: 'fs-quality-menu',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatDividerModule, MatIconModule, MatMenuModule, MatTooltipModule],
  template: `
    <button
      mat-icon-button
      type="button"
      [matMenuTriggerFor]="menu"
      (menuOpened)="opened.emit()"
      aria-label="Quality and statistics"
      i18n-aria-label="@@player.settings"
      matTooltip="Quality"
      i18n-matTooltip="@@player.quality"
      data-testid="quality-button"
    >
      <mat-icon aria-hidden="true">settings</mat-icon>
    </button>
    <mat-menu #menu="matMenu">
      <div class="heading" i18n="@@player.quality">Quality</div>
      <button
        mat-menu-item
        role="menuitemradio"
        [attr.aria-checked]="checked('AUTO')"
        (click)="qualityChange.emit('AUTO')"
        data-testid="quality-option"
      >
        <mat-icon aria-hidden="true" [class.unchecked]="!checked('AUTO')">check</mat-icon>
        <span
          >{{ qualityName('AUTO') }}
          @if (checked('AUTO') && playingHeight() > 0) {
            <span class="quality-name">{{ resolutionLabel(playingHeight()) }}</span>
          }
        </span>
      </button>
      @for (layer of layers(); track layer.quality) {
        <button
          mat-menu-item
          role="menuitemradio"
          [attr.aria-checked]="checked(layer.quality)"
          (click)="qualityChange.emit(layer.quality)"
          data-testid="quality-option"
        >
          <mat-icon aria-hidden="true" [class.unchecked]="!checked(layer.quality)">check</mat-icon>
          <span
            >{{ resolutionLabel(layer.height) }}
            <span class="quality-name">{{ qualityName(layer.quality) }}</span></span
          >
        </button>
      }
      @if (stableOffered()) {
        <button
          mat-menu-item
          role="menuitemradio"
          [attr.aria-checked]="stable()"
          (click)="stableChoose.emit()"
          data-testid="quality-stable"
        >
          <mat-icon aria-hidden="true" [class.unchecked]="!stable()">check</mat-icon>
          <span i18n="@@player.quality.stable">Stable (a few seconds behind)</span>
        </button>
      }
      <mat-divider />
      <button
        mat-menu-item
        role="menuitemcheckbox"
        [attr.aria-checked]="statsOpen()"
        (click)="statsToggle.emit()"
        data-testid="stats-toggle"
      >
        <mat-icon aria-hidden="true">query_stats</mat-icon>
        <span i18n="@@player.statsForNerds">Stats for nerds</span>
      </button>
    </mat-menu>
  `,
  styles: `
    .heading {
      padding: 8px 16px 4px;
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-on-surface-variant);
    }
    .unchecked {
      visibility: hidden;
    }
    .quality-name {
      margin-inline-start: 6px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class QualityMenuComponent {
  /** The layers the stream sends, highest first. */
  readonly layers = input.required<readonly PlayerVideoLayerFragment[]>();
  readonly quality = input.required<VideoQuality>();
  /** The stream's HLS plays ("Stable" is checked, not the quality). */
  readonly stable = input(false);
  /** "Stable" is offered: the stream has HLS and the browser plays it. */
  readonly stableOffered = input(false);
  readonly statsOpen = input(false);
  /** The height of the picture playing (0: none yet): what "Auto" picked. */
  readonly playingHeight = input(0);
  readonly qualityChange = output<VideoQuality>();
  readonly stableChoose = output();
  readonly statsToggle = output();
  /** The menu opened: a moment to re-read the layers. */
  readonly opened = output();

  protected readonly qualityName = qualityName;
  protected readonly resolutionLabel = resolutionLabel;

  protected checked(quality: VideoQuality): boolean {
    return !this.stable() && this.quality() === quality;
  }
}

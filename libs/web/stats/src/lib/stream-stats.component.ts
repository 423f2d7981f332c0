import { DecimalPipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  LOCALE_ID,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import type { ChartConfiguration } from 'chart.js';
import { BaseChartDirective } from 'ng2-charts';
import { switchMap } from 'rxjs';

import { formatCents, formatDuration } from '@finserve/web/ui';

import { StreamStatsDocument } from './graphql.generated';
import { StatTileComponent } from './stat-tile.component';

/** `/streams/:id/stats`: one stream's figures and its viewer timeline. */
@Component({
  selector: 'fs-stream-stats',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DecimalPipe,
    RouterLink,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    BaseChartDirective,
    StatTileComponent,
  ],
  template: `
    <div class="fs-page">
      @if (stream(); as stream) {
        <a mat-button [routerLink]="['/streams', stream.id]">
          <mat-icon aria-hidden="true">arrow_back</mat-icon
          ><span i18n="@@stats.back">Back to the stream</span>
        </a>
        <h1>
          {{ stream.title }} <span class="quiet">· {{ stream.streamer.displayName }}</span>
        </h1>
        <div class="tiles" data-testid="stream-stats">
          <fs-stat-tile label="Duration" i18n-label="@@stats.duration" [value]="duration()" />
          <fs-stat-tile
            label="Peak viewers"
            i18n-label="@@stats.peakViewers"
            [value]="stream.stats.peakViewers"
          />
          <fs-stat-tile
            label="Unique viewers"
            i18n-label="@@stats.uniqueViewers"
            [value]="stream.stats.uniqueViewers"
          />
          <fs-stat-tile
            label="Avg. concurrent"
            i18n-label="@@stats.avgConcurrent"
            [value]="(stream.stats.averageConcurrentViewers | number: '1.1-1') ?? ''"
          />
          <fs-stat-tile
            label="Avg. watch time"
            i18n-label="@@stats.avgWatch"
            [value]="averageWatch()"
          />
          <fs-stat-tile
            label="Messages"
            i18n-label="@@stats.messages"
            [value]="stream.stats.messageCount"
          />
          <fs-stat-tile label="Tips" i18n-label="@@stats.tips" [value]="stream.stats.tipCount" />
          <fs-stat-tile label="Tips gross" i18n-label="@@stats.tipsGross" [value]="tipsGross()" />
          <fs-stat-tile label="Tips net" i18n-label="@@stats.tipsNet" [value]="tipsNet()" />
        </div>
        <h2 i18n="@@stats.viewersOverTime">Viewers over time</h2>
        <div class="chart">
          <canvas
            baseChart
            type="line"
            [data]="timeline()"
            [options]="options"
            role="img"
            aria-label="Concurrent viewers over the stream's life"
            i18n-aria-label="@@stats.timelineChart"
          ></canvas>
        </div>
      } @else {
        <mat-progress-bar
          mode="indeterminate"
          aria-label="Loading stats"
          i18n-aria-label="@@stats.loading"
        />
      }
    </div>
  `,
  styles: `
    h1 {
      font: var(--mat-sys-headline-small);
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
    .tiles {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));
      gap: 12px;
    }
    .chart {
      position: relative;
      height: 320px;
    }
  `,
})
export class StreamStatsComponent {
  private readonly apollo = inject(Apollo);
  private readonly locale = inject(LOCALE_ID);
  readonly id = input.required<string>();

  private readonly result = toSignal(
    toObservable(this.id).pipe(
      switchMap(
        (id) =>
          this.apollo.watchQuery({
            query: StreamStatsDocument,
            variables: { id },
            fetchPolicy: 'network-only',
          }).valueChanges,
      ),
    ),
  );
  protected readonly stream = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.stream : undefined;
  });
  protected readonly duration = computed(() =>
    formatDuration(this.stream()?.stats.durationSeconds ?? 0),
  );
  protected readonly averageWatch = computed(() =>
    formatDuration(this.stream()?.stats.averageWatchSeconds ?? 0),
  );
  protected readonly tipsGross = computed(() => {
    const total = this.stream()?.stats.tipTotals[0];
    return formatCents(total?.amountCents ?? 0, total?.currency, this.locale);
  });
  protected readonly tipsNet = computed(() => {
    const total = this.stream()?.stats.tipNetTotals[0];
    return formatCents(total?.amountCents ?? 0, total?.currency, this.locale);
  });
  protected readonly timeline = computed<ChartConfiguration<'line'>['data']>(() => {
    const samples = this.stream()?.stats.viewerTimeline ?? [];
    return {
      labels: samples.map((sample) =>
        new Date(sample.at).toLocaleTimeString(this.locale, {
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }),
      ),
      datasets: [
        {
          label: $localize`:@@stats.viewers:Viewers`,
          data: samples.map((sample) => sample.viewers),
          fill: true,
          tension: 0.3,
          borderColor: '#1e88e5',
          backgroundColor: 'rgba(30, 136, 229, 0.15)',
          pointRadius: 0,
        },
      ],
    };
  });
  protected readonly options: ChartConfiguration<'line'>['options'] = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    plugins: { legend: { display: false } },
  };
}

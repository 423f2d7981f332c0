import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
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
          <mat-icon aria-hidden="true">arrow_back</mat-icon>Back to the stream
        </a>
        <h1>
          {{ stream.title }} <span class="quiet">· {{ stream.streamer.displayName }}</span>
        </h1>
        <div class="tiles" data-testid="stream-stats">
          <fs-stat-tile label="Duration" [value]="duration()" />
          <fs-stat-tile label="Peak viewers" [value]="stream.stats.peakViewers" />
          <fs-stat-tile label="Unique viewers" [value]="stream.stats.uniqueViewers" />
          <fs-stat-tile
            label="Avg. concurrent"
            [value]="stream.stats.averageConcurrentViewers.toFixed(1)"
          />
          <fs-stat-tile label="Avg. watch time" [value]="averageWatch()" />
          <fs-stat-tile label="Messages" [value]="stream.stats.messageCount" />
          <fs-stat-tile label="Tips" [value]="stream.stats.tipCount" />
          <fs-stat-tile label="Tips gross" [value]="tipsGross()" />
          <fs-stat-tile label="Tips net" [value]="tipsNet()" />
        </div>
        <h2>Viewers over time</h2>
        <div class="chart">
          <canvas
            baseChart
            type="line"
            [data]="timeline()"
            [options]="options"
            role="img"
            aria-label="Concurrent viewers over the stream's life"
          ></canvas>
        </div>
      } @else {
        <mat-progress-bar mode="indeterminate" aria-label="Loading stats" />
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
    return total ? formatCents(total.amountCents, total.currency) : formatCents(0);
  });
  protected readonly tipsNet = computed(() => {
    const total = this.stream()?.stats.tipNetTotals[0];
    return total ? formatCents(total.amountCents, total.currency) : formatCents(0);
  });
  protected readonly timeline = computed<ChartConfiguration<'line'>['data']>(() => {
    const samples = this.stream()?.stats.viewerTimeline ?? [];
    return {
      labels: samples.map((sample) =>
        new Date(sample.at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
      ),
      datasets: [
        {
          label: 'Viewers',
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

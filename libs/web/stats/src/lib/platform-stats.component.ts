import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, LOCALE_ID } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { Apollo } from 'apollo-angular';
import type { ChartConfiguration } from 'chart.js';
import { BaseChartDirective } from 'ng2-charts';

import { formatCents, formatDuration, MoneyPipe } from '@finserve/web/ui';

import { PlatformStatsDocument } from './graphql.generated';
import { StatTileComponent } from './stat-tile.component';

/** `/stats`: platform figures and the top streamers by watch hours. */
@Component({
  selector: 'fs-platform-stats',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DecimalPipe,
    MatProgressBarModule,
    MatTableModule,
    BaseChartDirective,
    MoneyPipe,
    StatTileComponent,
  ],
  template: `
    <div class="fs-page">
      <h1 i18n="@@stats.platform">Platform</h1>
      @if (stats(); as stats) {
        <div class="tiles" data-testid="platform-stats">
          <fs-stat-tile label="Live now" i18n-label="@@stats.liveNow" [value]="stats.liveStreams" />
          <fs-stat-tile label="Streams" i18n-label="@@stats.streams" [value]="stats.totalStreams" />
          <fs-stat-tile
            label="Watch hours"
            i18n-label="@@stats.watchHours"
            [value]="(stats.totalWatchHours | number: '1.1-1') ?? ''"
          />
          <fs-stat-tile
            label="Avg. stream"
            i18n-label="@@stats.avgStream"
            [value]="averageStream()"
          />
          <fs-stat-tile label="Tips" i18n-label="@@stats.tips" [value]="tips()" />
          <fs-stat-tile label="Platform fees" i18n-label="@@stats.fees" [value]="fees()" />
        </div>
        <h2 i18n="@@stats.topStreamers">Top streamers</h2>
        @if (stats.topStreamers.length > 0) {
          <div class="chart">
            <canvas
              baseChart
              type="bar"
              [data]="chart()"
              [options]="options"
              role="img"
              aria-label="Watch hours of the top streamers"
              i18n-aria-label="@@stats.topChart"
            ></canvas>
          </div>
          <table mat-table [dataSource]="stats.topStreamers" class="table">
            <ng-container matColumnDef="streamer">
              <th mat-header-cell *matHeaderCellDef i18n="@@stats.streamer">Streamer</th>
              <td mat-cell *matCellDef="let row">{{ row.streamer.displayName }}</td>
            </ng-container>
            <ng-container matColumnDef="streams">
              <th mat-header-cell *matHeaderCellDef i18n="@@stats.streams">Streams</th>
              <td mat-cell *matCellDef="let row">{{ row.streams }}</td>
            </ng-container>
            <ng-container matColumnDef="hours">
              <th mat-header-cell *matHeaderCellDef i18n="@@stats.watchHours">Watch hours</th>
              <td mat-cell *matCellDef="let row">{{ row.watchHours | number: '1.2-2' }}</td>
            </ng-container>
            <ng-container matColumnDef="tips">
              <th mat-header-cell *matHeaderCellDef i18n="@@stats.tips">Tips</th>
              <td mat-cell *matCellDef="let row">
                {{
                  row.tipTotals[0]?.amountCents ?? 0 | fsMoney: row.tipTotals[0]?.currency ?? 'USD'
                }}
              </td>
            </ng-container>
            <tr mat-header-row *matHeaderRowDef="columns"></tr>
            <tr mat-row *matRowDef="let row; columns: columns"></tr>
          </table>
        } @else {
          <p i18n="@@stats.noStreams">No streams yet.</p>
        }
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
      font: var(--mat-sys-headline-medium);
    }
    .tiles {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));
      gap: 12px;
    }
    .chart {
      position: relative;
      height: 300px;
      margin-bottom: 16px;
    }
    .table {
      width: 100%;
    }
  `,
})
export class PlatformStatsComponent {
  private readonly apollo = inject(Apollo);
  private readonly locale = inject(LOCALE_ID);
  protected readonly columns = ['streamer', 'streams', 'hours', 'tips'];

  private readonly result = toSignal(
    this.apollo.watchQuery({ query: PlatformStatsDocument, fetchPolicy: 'network-only' })
      .valueChanges,
  );
  protected readonly stats = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.platformStats : undefined;
  });
  protected readonly averageStream = computed(() =>
    formatDuration(this.stats()?.averageStreamSeconds ?? 0),
  );
  protected readonly tips = computed(() => {
    const total = this.stats()?.tipTotals[0];
    return formatCents(total?.amountCents ?? 0, total?.currency, this.locale);
  });
  protected readonly fees = computed(() => {
    const total = this.stats()?.platformFeeTotals[0];
    return formatCents(total?.amountCents ?? 0, total?.currency, this.locale);
  });
  protected readonly chart = computed<ChartConfiguration<'bar'>['data']>(() => {
    const top = this.stats()?.topStreamers ?? [];
    return {
      labels: top.map((row) => row.streamer.displayName),
      datasets: [
        {
          label: $localize`:@@stats.watchHours:Watch hours`,
          data: top.map((row) => Number(row.watchHours.toFixed(2))),
          backgroundColor: '#1e88e5',
        },
      ],
    };
  });
  protected readonly options: ChartConfiguration<'bar'>['options'] = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    indexAxis: 'y',
    plugins: { legend: { display: false } },
  };
}

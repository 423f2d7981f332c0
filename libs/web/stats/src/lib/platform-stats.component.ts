import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
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
  imports: [MatProgressBarModule, MatTableModule, BaseChartDirective, MoneyPipe, StatTileComponent],
  template: `
    <div class="fs-page">
      <h1>Platform</h1>
      @if (stats(); as stats) {
        <div class="tiles" data-testid="platform-stats">
          <fs-stat-tile label="Live now" [value]="stats.liveStreams" />
          <fs-stat-tile label="Streams" [value]="stats.totalStreams" />
          <fs-stat-tile label="Watch hours" [value]="stats.totalWatchHours.toFixed(1)" />
          <fs-stat-tile label="Avg. stream" [value]="averageStream()" />
          <fs-stat-tile label="Tips" [value]="tips()" />
          <fs-stat-tile label="Platform fees" [value]="fees()" />
        </div>
        <h2>Top streamers</h2>
        @if (stats.topStreamers.length > 0) {
          <div class="chart">
            <canvas
              baseChart
              type="bar"
              [data]="chart()"
              [options]="options"
              role="img"
              aria-label="Watch hours of the top streamers"
            ></canvas>
          </div>
          <table mat-table [dataSource]="stats.topStreamers" class="table">
            <ng-container matColumnDef="streamer">
              <th mat-header-cell *matHeaderCellDef>Streamer</th>
              <td mat-cell *matCellDef="let row">{{ row.streamer.displayName }}</td>
            </ng-container>
            <ng-container matColumnDef="streams">
              <th mat-header-cell *matHeaderCellDef>Streams</th>
              <td mat-cell *matCellDef="let row">{{ row.streams }}</td>
            </ng-container>
            <ng-container matColumnDef="hours">
              <th mat-header-cell *matHeaderCellDef>Watch hours</th>
              <td mat-cell *matCellDef="let row">{{ row.watchHours.toFixed(2) }}</td>
            </ng-container>
            <ng-container matColumnDef="tips">
              <th mat-header-cell *matHeaderCellDef>Tips</th>
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
          <p>No streams yet.</p>
        }
      } @else {
        <mat-progress-bar mode="indeterminate" aria-label="Loading stats" />
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
    return total ? formatCents(total.amountCents, total.currency) : formatCents(0);
  });
  protected readonly fees = computed(() => {
    const total = this.stats()?.platformFeeTotals[0];
    return total ? formatCents(total.amountCents, total.currency) : formatCents(0);
  });
  protected readonly chart = computed<ChartConfiguration<'bar'>['data']>(() => {
    const top = this.stats()?.topStreamers ?? [];
    return {
      labels: top.map((row) => row.streamer.displayName),
      datasets: [
        {
          label: 'Watch hours',
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

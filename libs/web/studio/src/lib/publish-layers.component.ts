import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';

import type { OutboundLayerRow } from '@finserve/web/media';
import { qualityName } from '@finserve/web/ui';

/**
 * The simulcast layers the console sends while live, highest first: resolution, frame rate,
 * bitrate, and whether the network or the CPU holds a layer back (the browser then sends less
 * than asked, or pauses the layer).
 */
@Component({
  selector: 'fs-publish-layers',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DecimalPipe],
  template: `
    <table data-testid="publish-layers">
      <caption i18n="@@studio.layers.caption">
        Layers sent
      </caption>
      <thead>
        <tr>
          <th scope="col" i18n="@@studio.layers.quality">Layer</th>
          <th scope="col" i18n="@@studio.layers.resolution">Resolution</th>
          <th scope="col" i18n="@@studio.layers.fps">Frame rate</th>
          <th scope="col" i18n="@@studio.layers.bitrate">Bitrate</th>
          <th scope="col">
            <span class="fs-visually-hidden" i18n="@@studio.layers.state">State</span>
          </th>
        </tr>
      </thead>
      <tbody>
        @for (row of rows(); track row.rid) {
          <tr
            data-testid="publish-layer"
            [attr.data-rid]="row.rid"
            [class.held]="!!row.limitedBy || !row.active"
          >
            <th scope="row">{{ row.quality ? qualityName(row.quality) : row.rid }}</th>
            <td>{{ row.width && row.height ? row.width + '×' + row.height : '–' }}</td>
            <td i18n="@@studio.layers.fpsValue">{{ row.fps }} fps</td>
            <td i18n="@@studio.layers.kbpsValue">{{ row.bitrateKbps | number }} kbps</td>
            <td class="note">
              @if (!row.active) {
                <ng-container i18n="@@studio.layers.paused">Paused</ng-container>
              } @else if (row.limitedBy === 'bandwidth') {
                <ng-container i18n="@@studio.layers.network">Limited by the network</ng-container>
              } @else if (row.limitedBy === 'cpu') {
                <ng-container i18n="@@studio.layers.cpu">Limited by the CPU</ng-container>
              }
            </td>
          </tr>
        }
      </tbody>
    </table>
  `,
  styles: `
    :host {
      display: block;
      padding: 12px;
      border-radius: 12px;
      background: var(--mat-sys-surface-container);
      overflow-x: auto;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font: var(--mat-sys-body-medium);
      font-variant-numeric: tabular-nums;
    }
    caption {
      text-align: start;
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-on-surface-variant);
      padding-bottom: 4px;
    }
    th,
    td {
      text-align: start;
      padding: 2px 12px 2px 0;
      white-space: nowrap;
    }
    thead th {
      font: var(--mat-sys-label-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .held .note {
      color: var(--mat-sys-error);
    }
  `,
})
export class PublishLayersComponent {
  readonly rows = input.required<readonly OutboundLayerRow[]>();
  protected readonly qualityName = qualityName;
}

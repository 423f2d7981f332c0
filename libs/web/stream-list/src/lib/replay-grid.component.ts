import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';

import {
  CategoryPipe,
  ChannelLinkComponent,
  DateTimePipe,
  DurationPipe,
  StreamPlaceholderComponent,
} from '@finserve/web/ui';

/** What a card shows; `streamer` is left out where the channel is known (its own page). */
export interface ReplayGridItem {
  id: string;
  title: string;
  endedAt?: string | null;
  durationSeconds: number;
  thumbnailUrl?: string | null;
  category?: { slug: string; name: string } | null;
  streamer?: { username: string; displayName: string };
}

/** Past broadcasts as cards: each opens its replay (`/streams/<id>`). */
@Component({
  selector: 'fs-replay-grid',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CategoryPipe,
    ChannelLinkComponent,
    DateTimePipe,
    DurationPipe,
    RouterLink,
    StreamPlaceholderComponent,
  ],
  template: `
    <ul class="grid">
      @for (stream of streams(); track stream.id) {
        <li>
          <a
            class="card"
            [routerLink]="['/streams', stream.id]"
            data-testid="replay-card"
            [attr.data-stream-id]="stream.id"
          >
            <span class="thumb">
              @if (stream.thumbnailUrl) {
                <img loading="lazy" alt="" [src]="stream.thumbnailUrl" />
              } @else {
                <fs-stream-placeholder
                  [seed]="stream.id"
                  [name]="stream.streamer?.displayName ?? stream.title"
                />
              }
              <span class="badge">{{ stream.durationSeconds | fsDuration }}</span>
            </span>
            <span class="title">{{ stream.title }}</span>
          </a>
          <span class="meta">
            @if (stream.streamer; as streamer) {
              <fs-channel-link [username]="streamer.username" [name]="streamer.displayName" /> ·
            }
            @if (stream.category; as category) {
              {{ category | fsCategory }} ·
            }
            {{ stream.endedAt | fsDateTime }}
          </span>
        </li>
      }
    </ul>
  `,
  styles: `
    .grid {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 16px;
      grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
    }
    .card {
      display: flex;
      flex-direction: column;
      gap: 4px;
      color: inherit;
      text-decoration: none;
      border-radius: 8px;
    }
    .card:focus-visible {
      outline: 3px solid var(--mat-sys-primary);
      outline-offset: 2px;
    }
    .thumb {
      position: relative;
      display: block;
      aspect-ratio: 16 / 9;
      border-radius: 8px;
      overflow: hidden;
      background: #000;
    }
    .thumb img {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    .card:hover .thumb {
      outline: 2px solid var(--mat-sys-primary);
    }
    .badge {
      position: absolute;
      right: 6px;
      bottom: 6px;
      padding: 1px 6px;
      border-radius: 4px;
      background: rgb(0 0 0 / 0.7);
      color: #fff;
      font-size: 12px;
      font-variant-numeric: tabular-nums;
    }
    .title {
      font: var(--mat-sys-title-small);
      overflow-wrap: anywhere;
    }
    .meta {
      display: block;
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class ReplayGridComponent {
  readonly streams = input.required<readonly ReplayGridItem[]>();
}

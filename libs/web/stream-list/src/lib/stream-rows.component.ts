import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';

import {
  CategoryPipe,
  ChannelLinkComponent,
  CountPipe,
  DateTimePipe,
  LiveBadgeComponent,
} from '@finserve/web/ui';

import type { StreamCardFragment } from './graphql.generated';
import { StreamThumbnailComponent } from './stream-thumbnail.component';

type Row = StreamCardFragment & { endedAt?: string | null };

/**
 * Streams as rows (search results, a category's live streams): picture, title, channel, category,
 * tags, and where the stream is (LIVE with its viewers, scheduled with its time, or ended).
 */
@Component({
  selector: 'fs-stream-rows',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CategoryPipe,
    ChannelLinkComponent,
    CountPipe,
    DateTimePipe,
    LiveBadgeComponent,
    MatIconModule,
    RouterLink,
    StreamThumbnailComponent,
  ],
  template: `
    <ul class="rows">
      @for (stream of streams(); track stream.id) {
        <li
          data-testid="stream-row"
          [attr.data-stream-id]="stream.id"
          [attr.data-status]="stream.status"
        >
          <a class="thumb" [routerLink]="['/streams', stream.id]" tabindex="-1" aria-hidden="true">
            <fs-stream-thumbnail
              [url]="stream.thumbnailUrl"
              [title]="stream.title"
              [seed]="stream.id"
              [name]="stream.streamer.displayName"
            />
          </a>
          <div class="text">
            <a class="title" [routerLink]="['/streams', stream.id]">{{ stream.title }}</a>
            <span class="meta">
              <fs-channel-link
                [username]="stream.streamer.username"
                [name]="stream.streamer.displayName"
              />
              @if (stream.category; as category) {
                · {{ category | fsCategory }}
              }
            </span>
            <span class="meta">
              @switch (stream.status) {
                @case ('LIVE') {
                  <fs-live-badge />
                  <span i18n="@@rows.watching">{stream.viewerCount, plural,
                    other {{{ stream.viewerCount | fsCount }} watching}
                  }</span>
                }
                @case ('SCHEDULED') {
                  <mat-icon aria-hidden="true">event</mat-icon>
                  @if (stream.scheduledFor) {
                    {{ stream.scheduledFor | fsDateTime }}
                  } @else {
                    <ng-container i18n="@@rows.soon">Soon</ng-container>
                  }
                }
                @default {
                  <mat-icon aria-hidden="true">history</mat-icon>
                  <span i18n="@@rows.replay">Replay</span>
                  @if (stream.endedAt) {
                    · {{ stream.endedAt | fsDateTime }}
                  }
                }
              }
            </span>
            @if (stream.tags.length) {
              <span class="tags">
                @for (tag of stream.tags; track tag) {
                  <span class="tag">#{{ tag }}</span>
                }
              </span>
            }
          </div>
        </li>
      }
    </ul>
  `,
  styles: `
    .rows {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 16px;
    }
    li {
      display: flex;
      gap: 16px;
      align-items: flex-start;
    }
    .thumb {
      flex: 0 0 240px;
      display: block;
      aspect-ratio: 16 / 9;
      border-radius: 8px;
      overflow: hidden;
    }
    .text {
      display: flex;
      flex-direction: column;
      gap: 4px;
      min-width: 0;
    }
    .title {
      font: var(--mat-sys-title-medium);
      color: inherit;
      text-decoration: none;
      overflow-wrap: anywhere;
    }
    .title:hover {
      text-decoration: underline;
    }
    .meta {
      display: flex;
      align-items: center;
      flex-wrap: wrap;
      gap: 6px;
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-medium);
    }
    .meta mat-icon {
      font-size: 18px;
      width: 18px;
      height: 18px;
    }
    .tags {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }
    .tag {
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-primary);
    }
    @media (max-width: 599px) {
      .thumb {
        flex-basis: 120px;
      }
    }
  `,
})
export class StreamRowsComponent {
  readonly streams = input.required<readonly Row[]>();
}

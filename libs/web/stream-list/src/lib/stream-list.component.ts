import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { filter, map } from 'rxjs';

import { AuthService } from '@finserve/web/data-access';
import { CountPipe, LiveBadgeComponent } from '@finserve/web/ui';

import {
  LiveStreamsChangedDocument,
  LiveStreamsDocument,
  UpcomingStreamsDocument,
  type StreamCardFragment,
} from './graphql.generated';
import { applyStreamChange, byViewers, withoutStarted } from './live-list';
import { StreamThumbnailComponent } from './stream-thumbnail.component';

const LIMIT = 48;
const UPCOMING_LIMIT = 24;

/**
 * `/`: the live streams, most viewers first, kept live by `liveStreamsChanged` (no polling), and
 * the upcoming (scheduled) streams of everyone, soonest first; one that goes live leaves them.
 */
@Component({
  selector: 'fs-stream-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    RouterLink,
    MatButtonModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    CountPipe,
    LiveBadgeComponent,
    StreamThumbnailComponent,
  ],
  template: `
    <div class="fs-page">
      <header class="head">
        <h1>Live now</h1>
        <a mat-flat-button routerLink="/studio" data-testid="go-live">
          <mat-icon aria-hidden="true">videocam</mat-icon>
          Go live
        </a>
      </header>

      @if (loading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading streams" />
      } @else if (streams().length === 0) {
        <section class="empty" data-testid="empty-state">
          <mat-icon aria-hidden="true">live_tv</mat-icon>
          <h2>Nobody is live right now</h2>
          <p>Start the first stream of the session, or come back when the market opens.</p>
          <a mat-stroked-button routerLink="/studio">Start streaming</a>
        </section>
      }

      <ul class="grid" aria-label="Live streams" data-testid="stream-grid">
        @for (stream of streams(); track stream.id) {
          <li>
            <a
              class="card-link"
              [routerLink]="['/streams', stream.id]"
              [attr.aria-label]="cardLabel(stream)"
            >
              <mat-card
                appearance="outlined"
                class="card"
                data-testid="stream-card"
                [attr.data-stream-id]="stream.id"
              >
                <div class="thumb">
                  <fs-stream-thumbnail
                    [url]="stream.thumbnailUrl"
                    [title]="stream.title"
                    [seed]="stream.id"
                    [name]="stream.streamer.displayName"
                  />
                  <span class="badge"><fs-live-badge /></span>
                  <span
                    class="viewers"
                    data-testid="viewer-count"
                    [attr.data-count]="stream.viewerCount"
                  >
                    <mat-icon aria-hidden="true">visibility</mat-icon
                    >{{ stream.viewerCount | fsCount }}
                  </span>
                </div>
                <mat-card-content class="meta">
                  <h2 class="title">{{ stream.title }}</h2>
                  <p class="streamer">{{ stream.streamer.displayName }}</p>
                </mat-card-content>
              </mat-card>
            </a>
          </li>
        }
      </ul>

      <section class="upcoming" aria-labelledby="upcoming-heading" data-testid="upcoming">
        <h2 id="upcoming-heading">Upcoming</h2>
        @if (upcomingLoaded()) {
          @if (upcoming().length === 0) {
            <p class="upcoming-empty" data-testid="upcoming-empty">
              Nothing is scheduled yet. Streamers can announce their next session from the studio.
            </p>
          } @else {
            <ul class="upcoming-list" aria-label="Upcoming streams" data-testid="upcoming-list">
              @for (stream of upcoming(); track stream.id) {
                <li data-testid="upcoming-item" [attr.data-upcoming-id]="stream.id">
                  <mat-icon aria-hidden="true">event</mat-icon>
                  <span class="what">
                    <a class="upcoming-title" [routerLink]="['/streams', stream.id]">{{
                      stream.title
                    }}</a>
                    <span class="streamer" data-testid="upcoming-streamer">{{
                      stream.streamer.displayName
                    }}</span>
                  </span>
                  @if (stream.scheduledFor; as scheduledFor) {
                    <time class="when" data-testid="upcoming-when" [attr.datetime]="scheduledFor">{{
                      scheduledFor | date: 'EEE d MMM, HH:mm'
                    }}</time>
                  } @else {
                    <span class="when" data-testid="upcoming-when">Time to be announced</span>
                  }
                  @if (stream.streamer.id === userId()) {
                    <a mat-button routerLink="/studio">Open studio</a>
                  }
                </li>
              }
            </ul>
          }
        }
      </section>
    </div>
  `,
  styles: `
    .head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 16px;
    }
    h1 {
      font: var(--mat-sys-headline-medium);
      margin: 8px 0 16px;
    }
    .grid {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 16px;
      grid-template-columns: repeat(3, minmax(0, 1fr));
    }
    @media (max-width: 959px) {
      .grid {
        grid-template-columns: repeat(2, minmax(0, 1fr));
      }
    }
    @media (max-width: 599px) {
      .grid {
        grid-template-columns: minmax(0, 1fr);
      }
    }
    .card-link {
      display: block;
      color: inherit;
      text-decoration: none;
      border-radius: 12px;
    }
    .card-link:focus-visible {
      outline: 3px solid var(--mat-sys-primary);
      outline-offset: 2px;
    }
    .card {
      overflow: hidden;
      height: 100%;
    }
    .card-link:hover .card {
      border-color: var(--mat-sys-primary);
    }
    .thumb {
      position: relative;
      aspect-ratio: 16 / 9;
      overflow: hidden;
    }
    .badge {
      position: absolute;
      top: 8px;
      left: 8px;
    }
    .viewers {
      position: absolute;
      bottom: 8px;
      left: 8px;
      display: inline-flex;
      align-items: center;
      gap: 4px;
      padding: 2px 8px;
      border-radius: 4px;
      background: rgb(0 0 0 / 0.65);
      color: #fff;
      font-size: 13px;
      font-variant-numeric: tabular-nums;
    }
    .viewers mat-icon {
      font-size: 16px;
      width: 16px;
      height: 16px;
    }
    .meta {
      padding-top: 12px;
    }
    .title {
      font: var(--mat-sys-title-medium);
      margin: 0 0 4px;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .streamer {
      margin: 0;
      color: var(--mat-sys-on-surface-variant);
    }
    .empty {
      text-align: center;
      padding: 48px 16px;
      color: var(--mat-sys-on-surface-variant);
    }
    .empty mat-icon {
      font-size: 48px;
      width: 48px;
      height: 48px;
    }
    .upcoming {
      margin-top: 32px;
    }
    .upcoming h2 {
      font: var(--mat-sys-title-large);
      margin: 0 0 8px;
    }
    .upcoming-empty {
      margin: 0;
      color: var(--mat-sys-on-surface-variant);
    }
    .upcoming-list {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .upcoming-list li {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 12px;
      padding: 8px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .what {
      flex: 1 1 12rem;
      min-width: 0;
      display: flex;
      flex-direction: column;
    }
    .upcoming-title {
      font: var(--mat-sys-body-large);
      color: inherit;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .when {
      color: var(--mat-sys-on-surface-variant);
      font-variant-numeric: tabular-nums;
    }
  `,
})
export class StreamListComponent {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);

  private readonly live = this.apollo.watchQuery({
    query: LiveStreamsDocument,
    variables: { limit: LIMIT },
    fetchPolicy: 'cache-and-network',
  });
  private readonly liveResult = toSignal(this.live.valueChanges);

  protected readonly loading = computed(() => {
    const result = this.liveResult();
    return !result || (result.loading && !result.data?.liveStreams);
  });
  protected readonly streams = computed(() => {
    const result = this.liveResult();
    const list = result?.dataState === 'complete' ? result.data.liveStreams : [];
    return byViewers(list);
  });

  private readonly upcomingResult = toSignal(
    this.apollo.watchQuery({
      query: UpcomingStreamsDocument,
      variables: { limit: UPCOMING_LIMIT },
      fetchPolicy: 'cache-and-network',
    }).valueChanges,
  );
  protected readonly upcomingLoaded = computed(
    () => this.upcomingResult()?.dataState === 'complete',
  );
  /** Soonest first, as the server orders them; a cached stream that went live is left out. */
  protected readonly upcoming = computed(() => {
    const result = this.upcomingResult();
    const list = result?.dataState === 'complete' ? result.data.upcomingStreams : [];
    return list.filter((stream) => stream.status === 'SCHEDULED');
  });
  protected readonly userId = computed(() => this.auth.user()?.id ?? null);

  constructor() {
    // Each change arrives normalised into the cache (viewer counts update every card); streams
    // that start or end are added to / removed from the cached lists here (a scheduled stream
    // that went live moves from Upcoming to the live grid).
    this.apollo
      .subscribe({ query: LiveStreamsChangedDocument })
      .pipe(
        map((result) => result.data?.liveStreamsChanged),
        filter((stream): stream is StreamCardFragment => !!stream),
        takeUntilDestroyed(),
      )
      .subscribe((changed) => {
        this.apollo.client.cache.updateQuery(
          { query: LiveStreamsDocument, variables: { limit: LIMIT } },
          (data) => (data ? { liveStreams: applyStreamChange(data.liveStreams, changed) } : data),
        );
        this.apollo.client.cache.updateQuery(
          { query: UpcomingStreamsDocument, variables: { limit: UPCOMING_LIMIT } },
          (data) => {
            const rest = data && withoutStarted(data.upcomingStreams, changed);
            return rest ? { upcomingStreams: rest } : undefined;
          },
        );
      });
  }

  protected cardLabel(stream: StreamCardFragment): string {
    return `${stream.title} by ${stream.streamer.displayName}, live, ${stream.viewerCount} watching`;
  }
}

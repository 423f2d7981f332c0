import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { delay, filter, map } from 'rxjs';

import { AuthService, GraphqlSocket } from '@finserve/web/data-access';
import { FollowingSectionComponent } from '@finserve/web/social';
import {
  ChannelLinkComponent,
  CountPipe,
  DateTimePipe,
  LiveBadgeComponent,
} from '@finserve/web/ui';

import { CategoryChipsComponent } from './category-chips.component';
import {
  LiveStreamsChangedDocument,
  LiveStreamsDocument,
  UpcomingStreamsDocument,
  type StreamCardFragment,
} from './graphql.generated';
import { applyStreamChange, byViewers, inCategory, withoutStarted } from './live-list';
import { RecentReplaysComponent } from './recent-replays.component';
import { SearchBoxComponent } from './search-box.component';
import { StreamThumbnailComponent } from './stream-thumbnail.component';

const LIMIT = 48;
const UPCOMING_LIMIT = 24;
/** After a socket connects, how long before the lists are fetched again (see the constructor). */
const CATCH_UP_DELAY_MS = 1_500;

/**
 * `/`: the live streams, most viewers first, kept live by `liveStreamsChanged` (no polling), and
 * the upcoming (scheduled) streams of everyone, soonest first; one that goes live leaves them.
 */
@Component({
  selector: 'fs-stream-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DateTimePipe,
    RouterLink,
    MatButtonModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    CountPipe,
    FollowingSectionComponent,
    CategoryChipsComponent,
    ChannelLinkComponent,
    LiveBadgeComponent,
    RecentReplaysComponent,
    SearchBoxComponent,
    StreamThumbnailComponent,
  ],
  templateUrl: './stream-list.component.html',
  styleUrl: './stream-list.component.scss',
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
  /** The category chip chosen (null: all). */
  protected readonly category = signal<string | null>(null);
  protected readonly streams = computed(() => {
    const result = this.liveResult();
    const list = result?.dataState === 'complete' ? result.data.liveStreams : [];
    return byViewers(inCategory(list, this.category()));
  });

  private readonly upcomingQuery = this.apollo.watchQuery({
    query: UpcomingStreamsDocument,
    variables: { limit: UPCOMING_LIMIT },
    fetchPolicy: 'cache-and-network',
  });
  private readonly upcomingResult = toSignal(this.upcomingQuery.valueChanges);
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
    // A change published after the lists' answer but before the subscription started (a new
    // thumbnail two seconds after going live, a stream that just ended), or while the socket was
    // down, would otherwise be missing until the next change of that stream: each time the socket
    // connects, the lists are fetched again once the subscription is surely registered (the
    // server's subscribe, Redis included, takes milliseconds; a response-cached list lags < 1 s).
    inject(GraphqlSocket)
      .connected$.pipe(delay(CATCH_UP_DELAY_MS), takeUntilDestroyed())
      .subscribe(() => {
        void this.live.refetch().catch(() => undefined);
        void this.upcomingQuery.refetch().catch(() => undefined);
      });
  }

  protected cardLabel(stream: StreamCardFragment): string {
    const { title, viewerCount } = stream;
    const streamer = stream.streamer.displayName;
    return $localize`:@@list.cardLabel:${title}:title: by ${streamer}:streamer:, live, ${viewerCount}:count: watching`;
  }
}

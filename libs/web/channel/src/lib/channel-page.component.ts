import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { switchMap } from 'rxjs';

import { ClipListComponent } from '@finserve/web/clips';
import { AuthService } from '@finserve/web/data-access';
import { FollowButtonComponent } from '@finserve/web/social';
import { ReplayGridComponent } from '@finserve/web/stream-list';
import { CategoryPipe, CountPipe, DateTimePipe, LiveBadgeComponent } from '@finserve/web/ui';
import { LivePlayerComponent } from '@finserve/web/viewer';

import { ChannelDocument } from './graphql.generated';

/** How often the channel is re-read (a channel going live or ending shows without a reload). */
const REFRESH_MS = 15_000;

/**
 * `/c/:username`: a channel. Its live stream playing (or an offline banner), its name and bio,
 * its schedule (times in the viewer's time zone), its past broadcasts (each opens its replay at
 * `/streams/<id>`) and its clips. The header has the follow button with the follower count.
 */
@Component({
  selector: 'fs-channel-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CategoryPipe,
    ClipListComponent,
    CountPipe,
    DateTimePipe,
    FollowButtonComponent,
    LiveBadgeComponent,
    LivePlayerComponent,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    ReplayGridComponent,
    RouterLink,
  ],
  templateUrl: './channel-page.component.html',
  styleUrl: './channel-page.component.scss',
})
export class ChannelPageComponent {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);

  /** The route's :username (any letter case). */
  readonly username = input.required<string>();

  private readonly result = toSignal(
    toObservable(this.username).pipe(
      switchMap(
        (username) =>
          this.apollo.watchQuery({
            query: ChannelDocument,
            variables: { username },
            fetchPolicy: 'cache-and-network',
            pollInterval: REFRESH_MS,
          }).valueChanges,
      ),
    ),
  );
  protected readonly channel = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.user : undefined;
  });
  protected readonly missing = computed(() => {
    const result = this.result();
    if (!result || result.loading) return false;
    return !!result.error || (result.dataState === 'complete' && result.data.user === null);
  });
  /** The signed-in user looking at their own channel (a link to edit it). */
  protected readonly own = computed(() => {
    const channel = this.channel();
    return !!channel && this.auth.user()?.id === channel.id;
  });
}

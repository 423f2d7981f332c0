import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { AuthService } from '@finserve/web/data-access';
import { CountPipe, LiveBadgeComponent } from '@finserve/web/ui';

import { FollowingHomeDocument, type FollowingHomeQuery } from './graphql.generated';

/**
 * The home page's "Following" section (signed in, following someone): the followed channels that
 * are LIVE first (most viewers first), then the others by name.
 */
@Component({
  selector: 'fs-following-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule, RouterLink, CountPipe, LiveBadgeComponent],
  template: `
    @if (data(); as d) {
      @if (d.myFollowing.length > 0) {
        <section
          class="following"
          data-testid="following-section"
          aria-labelledby="following-title"
        >
          <h2 id="following-title" i18n="@@social.home.following">Following</h2>
          <ul class="chips">
            @for (stream of d.followedLiveStreams; track stream.id) {
              <li>
                <a
                  mat-stroked-button
                  [routerLink]="['/streams', stream.id]"
                  data-testid="following-live"
                >
                  <fs-live-badge />
                  <span class="name">{{ stream.streamer.displayName }}</span>
                  <span class="quiet">{{ stream.title }}</span>
                  <span class="quiet"
                    ><mat-icon aria-hidden="true">visibility</mat-icon
                    >{{ stream.viewerCount | fsCount }}</span
                  >
                </a>
              </li>
            }
            @for (user of offline(); track user.id) {
              <li>
                <a mat-button [routerLink]="['/c', user.username]" data-testid="following-offline">
                  <mat-icon aria-hidden="true">account_circle</mat-icon>{{ user.displayName }}
                </a>
              </li>
            }
          </ul>
        </section>
      }
    }
  `,
  styles: `
    .following {
      margin: 8px 0 24px;
    }
    .chips {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .name {
      margin: 0 6px;
      font-weight: 500;
    }
    .quiet {
      opacity: 0.75;
      margin-left: 6px;
      display: inline-flex;
      align-items: center;
    }
    .quiet mat-icon {
      font-size: 16px;
      height: 16px;
      width: 16px;
    }
  `,
})
export class FollowingSectionComponent {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);

  protected readonly data = signal<FollowingHomeQuery | null>(null);
  protected readonly offline = computed(() => {
    const d = this.data();
    if (!d) return [];
    const live = new Set(d.followedLiveStreams.map((s) => s.streamer.id));
    return d.myFollowing.filter((u) => !live.has(u.id));
  });

  constructor() {
    effect(() => {
      const signedIn = this.auth.user() !== null;
      untracked(() => (signedIn ? void this.load() : this.data.set(null)));
    });
  }

  private async load(): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({ query: FollowingHomeDocument, fetchPolicy: 'no-cache' }),
      );
      this.data.set(result.data ?? null);
    } catch {
      this.data.set(null);
    }
  }
}

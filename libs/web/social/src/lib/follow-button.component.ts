import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatSnackBar } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { AuthService, toUiError } from '@finserve/web/data-access';
import { CountPipe } from '@finserve/web/ui';

import { FollowDocument, FollowStateDocument, UnfollowDocument } from './graphql.generated';
import { WebPushService } from './web-push.service';

/**
 * Follow / Following, with the channel's follower count. Signed out, it leads to sign-in; on one's
 * own channel it shows the count only. After a follow, the browser is offered go-live pushes.
 */
@Component({
  selector: 'fs-follow-button',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule, RouterLink, CountPipe],
  template: `
    <span class="follow" data-testid="follow">
      @if (!auth.signedIn()) {
        <a mat-stroked-button routerLink="/signin" data-testid="follow-button">
          <mat-icon aria-hidden="true">favorite_border</mat-icon>
          <span i18n="@@social.follow">Follow</span>
        </a>
      } @else if (!self()) {
        <button
          mat-stroked-button
          type="button"
          [disabled]="busy()"
          [attr.aria-pressed]="following()"
          (click)="toggle()"
          data-testid="follow-button"
          [attr.data-following]="following()"
        >
          <mat-icon aria-hidden="true">{{ following() ? 'favorite' : 'favorite_border' }}</mat-icon>
          @if (following()) {
            <span i18n="@@social.following">Following</span>
          } @else {
            <span i18n="@@social.follow">Follow</span>
          }
        </button>
      }
      @if (count() !== null) {
        <span
          class="count"
          data-testid="follower-count"
          [attr.data-count]="count()"
          i18n="@@social.followers"
          >{count(), plural, =1 {1 follower} other {{{ count() | fsCount }} followers}}</span
        >
      }
    </span>
  `,
  styles: `
    .follow {
      display: inline-flex;
      align-items: center;
      gap: 8px;
    }
    .count {
      opacity: 0.8;
      font-size: 14px;
    }
  `,
})
export class FollowButtonComponent {
  protected readonly auth = inject(AuthService);
  private readonly apollo = inject(Apollo);
  private readonly snackBar = inject(MatSnackBar);
  private readonly push = inject(WebPushService);

  /** The channel's user. */
  readonly userId = input.required<string>();
  /** Its follower count as the page loaded it (kept up to date by the button's own changes). */
  readonly followerCount = input<number | null>(null);

  protected readonly following = signal(false);
  protected readonly busy = signal(false);
  private readonly changedCount = signal<number | null>(null);
  protected readonly count = computed(() => this.changedCount() ?? this.followerCount());
  protected readonly self = computed(() => this.auth.user()?.id === this.userId());

  constructor() {
    effect(() => {
      const userId = this.userId();
      const signedIn = this.auth.signedIn();
      untracked(() => {
        this.changedCount.set(null);
        this.following.set(false);
        if (signedIn) void this.loadState(userId);
      });
    });
  }

  protected async toggle(): Promise<void> {
    const follow = !this.following();
    this.busy.set(true);
    try {
      const userId = this.userId();
      const result = follow
        ? (
            await firstValueFrom(
              this.apollo.mutate({ mutation: FollowDocument, variables: { userId } }),
            )
          ).data?.follow
        : (
            await firstValueFrom(
              this.apollo.mutate({ mutation: UnfollowDocument, variables: { userId } }),
            )
          ).data?.unfollow;
      if (result) this.changedCount.set(result.followerCount);
      this.following.set(follow);
      if (follow) void this.push.offerAfterFollow();
    } catch (error) {
      this.snackBar.open(toUiError(error).message, undefined, { duration: 5000 });
    } finally {
      this.busy.set(false);
    }
  }

  private async loadState(userId: string): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: FollowStateDocument,
          variables: { userId },
          fetchPolicy: 'no-cache',
        }),
      );
      if (userId === this.userId()) this.following.set(result.data?.isFollowing ?? false);
    } catch {
      // Shown as not following; a click tells the truth.
    }
  }
}

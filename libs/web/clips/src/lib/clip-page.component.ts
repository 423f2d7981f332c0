import { Clipboard } from '@angular/cdk/clipboard';
import { DOCUMENT } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router, RouterLink } from '@angular/router';
import { Apollo, type QueryRef } from 'apollo-angular';
import { firstValueFrom, switchMap } from 'rxjs';

import { AuthService, toUiError } from '@finserve/web/data-access';
import { ChannelLinkComponent, DateTimePipe, DurationPipe } from '@finserve/web/ui';

import {
  ClipDeleteDialogComponent,
  type ClipDeleteDialogData,
} from './clip-delete-dialog.component';
import { canDeleteClip, clipPageUrl, roleOfToken, shareLink } from './clip-logic';
import {
  ClipDocument,
  DeleteClipDocument,
  type ClipQuery,
  type ClipQueryVariables,
} from './graphql.generated';

/** How often a PROCESSING clip is re-read, and for how long at most. */
const POLL_MS = 1000;
const POLL_FOR_MS = 120_000;

/**
 * `/clips/:id`: the clip's video once READY (re-read every second while PROCESSING), what it was
 * clipped from and by whom, a share link, and Delete for its author, the streamer and admins.
 */
@Component({
  selector: 'fs-clip-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ChannelLinkComponent,
    DateTimePipe,
    DurationPipe,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    MatProgressSpinnerModule,
    RouterLink,
  ],
  templateUrl: './clip-page.component.html',
  styleUrl: './clip-page.component.scss',
})
export class ClipPageComponent {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly clipboard = inject(Clipboard);
  private readonly document = inject(DOCUMENT);

  /** The route's :id. */
  readonly id = input.required<string>();

  private query?: QueryRef<ClipQuery, ClipQueryVariables>;
  private readonly result = toSignal(
    toObservable(this.id).pipe(
      switchMap((id) => {
        this.query = this.apollo.watchQuery({
          query: ClipDocument,
          variables: { id },
          fetchPolicy: 'cache-and-network',
        });
        return this.query.valueChanges;
      }),
    ),
  );
  protected readonly clip = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.clip : undefined;
  });
  protected readonly missing = computed(() => {
    const result = this.result();
    if (!result || result.loading) return false;
    // An id that is not a clip id at all is refused by the server (BAD_USER_INPUT).
    return !!result.error || (result.dataState === 'complete' && result.data.clip === null);
  });
  /** Still PROCESSING after POLL_FOR_MS: polling stops, the page says so. */
  protected readonly slow = signal(false);
  protected readonly deleting = signal(false);
  protected readonly canDelete = computed(() => {
    const clip = this.clip();
    const user = this.auth.user();
    if (!clip || !user) return false;
    return canDeleteClip({ id: user.id, role: roleOfToken(this.auth.token()) }, clip);
  });
  protected readonly pageUrl = computed(() =>
    clipPageUrl(this.document.location?.origin ?? '', this.id()),
  );

  private pollTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    effect(() => {
      const processing = this.clip()?.status === 'PROCESSING';
      untracked(() => {
        if (processing && !this.pollTimer) {
          this.query?.startPolling(POLL_MS);
          this.pollTimer = setTimeout(() => {
            this.query?.stopPolling();
            this.slow.set(true);
          }, POLL_FOR_MS);
        } else if (!processing && this.pollTimer) {
          this.stopPolling();
        }
      });
    });
    inject(DestroyRef).onDestroy(() => this.stopPolling());
  }

  protected async share(title: string): Promise<void> {
    const outcome = await shareLink(
      this.document.defaultView?.navigator,
      { url: this.pageUrl(), title },
      (text) => this.clipboard.copy(text),
    );
    if (outcome === 'copied')
      this.snackBar.open($localize`:@@clips.linkCopied:Link copied`, undefined, {
        duration: 3000,
      });
    else if (outcome === 'failed')
      this.snackBar.open(
        $localize`:@@clips.copyFailed:The link could not be copied: select it and copy it.`,
        $localize`:@@common.dismiss:Dismiss`,
        { duration: 8000 },
      );
  }

  protected async remove(): Promise<void> {
    const clip = this.clip();
    if (!clip || this.deleting()) return;
    const confirmed = await firstValueFrom(
      this.dialog
        .open<ClipDeleteDialogComponent, ClipDeleteDialogData, boolean>(ClipDeleteDialogComponent, {
          data: { title: clip.title },
          width: '400px',
          maxWidth: '95vw',
        })
        .afterClosed(),
    );
    if (!confirmed) return;
    this.deleting.set(true);
    try {
      await firstValueFrom(
        this.apollo.mutate({ mutation: DeleteClipDocument, variables: { clipId: clip.id } }),
      );
      this.snackBar.open($localize`:@@clips.deleted:Clip deleted`, undefined, { duration: 3000 });
      await this.router.navigate(['/streams', clip.stream.id]);
      // Gone from every list in the cache; evicted once this page no longer watches it.
      const cache = this.apollo.client.cache;
      cache.evict({ id: cache.identify({ __typename: 'Clip', id: clip.id }) });
      cache.gc();
    } catch (error) {
      this.snackBar.open(toUiError(error).message, $localize`:@@common.dismiss:Dismiss`, {
        duration: 8000,
      });
    } finally {
      this.deleting.set(false);
    }
  }

  private stopPolling(): void {
    this.query?.stopPolling();
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}

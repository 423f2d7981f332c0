import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  untracked,
  viewChild,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { switchMap, type Subscription } from 'rxjs';

import { ChatPanelComponent, ChatReplayComponent } from '@finserve/web/chat';
import { ClipButtonComponent, ClipListComponent } from '@finserve/web/clips';
import { AuthService } from '@finserve/web/data-access';
import { FollowButtonComponent } from '@finserve/web/social';
import {
  CategoryPipe,
  ChannelLinkComponent,
  CountPipe,
  DateTimePipe,
  DurationPipe,
  LiveBadgeComponent,
} from '@finserve/web/ui';

import { ViewerStreamDocument, WatchStreamDocument } from './graphql.generated';
import { LivePlayerComponent } from './live-player.component';
import { ReplayPlayerComponent } from './replay-player.component';
import { TipDialogComponent, type TipDialogData } from './tip-dialog.component';

/** `/streams/:id`: the player (live or replay), the stream's figures, chat and tipping. */
@Component({
  selector: 'fs-viewer-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CategoryPipe,
    ChannelLinkComponent,
    DateTimePipe,
    RouterLink,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    ChatPanelComponent,
    ChatReplayComponent,
    ClipButtonComponent,
    ClipListComponent,
    CountPipe,
    FollowButtonComponent,
    DurationPipe,
    LiveBadgeComponent,
    LivePlayerComponent,
    ReplayPlayerComponent,
  ],
  templateUrl: './viewer-page.component.html',
  styleUrl: './viewer-page.component.scss',
})
export class ViewerPageComponent {
  protected readonly auth = inject(AuthService);
  protected readonly router = inject(Router);
  private readonly apollo = inject(Apollo);
  private readonly dialog = inject(MatDialog);

  /** The route's :id. */
  readonly id = input.required<string>();

  private readonly result = toSignal(
    toObservable(this.id).pipe(
      switchMap(
        (id) =>
          this.apollo.watchQuery({
            query: ViewerStreamDocument,
            variables: { id },
            fetchPolicy: 'cache-and-network',
          }).valueChanges,
      ),
    ),
  );
  protected readonly stream = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.stream : undefined;
  });
  protected readonly replayUrl = computed(() => {
    const recording = this.stream()?.recording;
    return recording?.status === 'READY' ? (recording.url ?? null) : null;
  });
  protected readonly missing = computed(() => {
    const result = this.result();
    if (!result || result.loading) return false;
    // An id that is not a stream id at all is refused by the server (BAD_USER_INPUT).
    return !!result.error || (result.dataState === 'complete' && result.data.stream === null);
  });
  /** The replay player's position: a replay is clipped from there. */
  private readonly replay = viewChild(ReplayPlayerComponent);
  protected readonly replayTime = computed(() => this.replay()?.currentTime() ?? 0);

  private watch?: Subscription;
  private replayTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    // While this page is open the user counts as a viewer; every change of the stream lands in
    // the normalised cache and so in the view above.
    effect(() => {
      const id = this.id();
      untracked(() => {
        this.watch?.unsubscribe();
        this.watch = this.apollo
          .subscribe({ query: WatchStreamDocument, variables: { id } })
          .subscribe({ error: () => undefined });
      });
    });
    // Once ENDED, the replay appears when the recording is READY (a few bounded re-reads).
    effect(() => {
      const stream = this.stream();
      if (stream?.status === 'ENDED' && stream.recording?.status === 'RECORDING') {
        untracked(() => this.refreshReplay(stream.id, 0));
      }
    });
    inject(DestroyRef).onDestroy(() => {
      this.watch?.unsubscribe();
      clearTimeout(this.replayTimer);
    });
  }

  protected watchingLabel(count: number): string {
    return $localize`:@@viewer.watchingLabel:${count}:count: watching`;
  }

  protected openTip(streamerName: string): void {
    const stream = this.stream();
    if (!stream) return;
    this.dialog.open<TipDialogComponent, TipDialogData>(TipDialogComponent, {
      data: { streamId: stream.id, streamerName },
      width: '440px',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
  }

  private refreshReplay(id: string, attempt: number): void {
    clearTimeout(this.replayTimer);
    if (attempt > 15) return;
    this.replayTimer = setTimeout(() => {
      this.apollo
        .query({ query: ViewerStreamDocument, variables: { id }, fetchPolicy: 'network-only' })
        .subscribe({
          next: (result) => {
            if (result.data?.stream?.recording?.status === 'RECORDING')
              this.refreshReplay(id, attempt + 1);
          },
          error: () => this.refreshReplay(id, attempt + 1),
        });
    }, 2000);
  }
}

import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  linkedSignal,
  untracked,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Apollo, type QueryRef } from 'apollo-angular';
import { switchMap } from 'rxjs';

import { DateTimePipe, DurationPipe, StreamPlaceholderComponent } from '@finserve/web/ui';

import {
  ClipsDocument,
  type ClipCardFragment,
  type ClipsQuery,
  type ClipsQueryVariables,
} from './graphql.generated';

/** How often a list with clips still PROCESSING is re-read. */
const PROCESSING_POLL_MS = 2000;

/**
 * Clips, newest first: those of a stream (`streamId`) and/or of a channel (`userId`, the
 * streamer whose streams were clipped). Each card links to the clip's page.
 */
@Component({
  selector: 'fs-clip-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DateTimePipe,
    DurationPipe,
    MatIconModule,
    MatProgressBarModule,
    RouterLink,
    StreamPlaceholderComponent,
  ],
  template: `
    <section class="clips" aria-labelledby="clips-heading" data-testid="clip-list">
      <h2 id="clips-heading" i18n="@@clips.list.title">Clips</h2>
      @if (clips(); as clips) {
        @if (clips.length === 0) {
          <p class="quiet" data-testid="clip-list-empty" i18n="@@clips.list.empty">No clips yet.</p>
        } @else {
          <ul class="grid">
            @for (clip of clips; track clip.id) {
              <li>
                <a
                  class="card"
                  [routerLink]="['/clips', clip.id]"
                  data-testid="clip-card"
                  [attr.data-clip-id]="clip.id"
                  [attr.data-status]="clip.status"
                >
                  <span class="thumb">
                    @if (clip.thumbnailUrl && !failed().has(clip.id)) {
                      <img
                        loading="lazy"
                        alt=""
                        [src]="clip.thumbnailUrl"
                        (error)="markFailed(clip.id)"
                      />
                    } @else {
                      <fs-stream-placeholder [seed]="clip.id" [name]="clip.title" />
                    }
                    @if (clip.status === 'READY') {
                      <span class="badge" data-testid="clip-duration">{{
                        clip.durationSeconds | fsDuration
                      }}</span>
                    } @else if (clip.status === 'PROCESSING') {
                      <span class="badge" i18n="@@clips.status.processing">Processing…</span>
                    } @else {
                      <span class="badge failed" i18n="@@clips.status.failed">Failed</span>
                    }
                  </span>
                  <span class="title">{{ clip.title }}</span>
                  <span class="quiet meta">
                    <span i18n="@@clips.list.by">by {{ clip.author.displayName }}</span> ·
                    {{ clip.createdAt | fsDateTime }}
                  </span>
                </a>
              </li>
            }
          </ul>
        }
      } @else {
        <mat-progress-bar
          mode="indeterminate"
          aria-label="Loading clips"
          i18n-aria-label="@@clips.list.loading"
        />
      }
    </section>
  `,
  styles: `
    h2 {
      font: var(--mat-sys-title-large);
      margin: 24px 0 12px;
    }
    .grid {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 12px;
      grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
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
    .badge.failed {
      background: var(--mat-sys-error);
      color: var(--mat-sys-on-error);
    }
    .title {
      font: var(--mat-sys-title-small);
      overflow-wrap: anywhere;
    }
    .meta {
      font: var(--mat-sys-body-small);
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class ClipListComponent {
  private readonly apollo = inject(Apollo);

  /** The stream whose clips are listed. */
  readonly streamId = input<string | null>(null);
  /** The channel (streamer) whose streams' clips are listed. */
  readonly userId = input<string | null>(null);
  readonly limit = input(24);

  private readonly variables = computed<ClipsQueryVariables>(() => ({
    streamId: this.streamId(),
    userId: this.userId(),
    limit: this.limit(),
  }));
  private query?: QueryRef<ClipsQuery, ClipsQueryVariables>;

  private readonly result = toSignal(
    toObservable(this.variables).pipe(
      switchMap((variables) => {
        this.query = this.apollo.watchQuery({
          query: ClipsDocument,
          variables,
          fetchPolicy: 'cache-and-network',
        });
        return this.query.valueChanges;
      }),
    ),
  );
  protected readonly clips = computed<ClipCardFragment[] | null>(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.clips : null;
  });
  /** Thumbnails that failed to load (the placeholder shows instead); reset with the list. */
  protected readonly failed = linkedSignal({
    source: this.variables,
    computation: () => new Set<string>(),
  });

  constructor() {
    // Clips still being cut are re-read until they are READY (or FAILED).
    effect(() => {
      const processing = this.clips()?.some((clip) => clip.status === 'PROCESSING') ?? false;
      untracked(() =>
        processing ? this.query?.startPolling(PROCESSING_POLL_MS) : this.query?.stopPolling(),
      );
    });
    inject(DestroyRef).onDestroy(() => this.query?.stopPolling());
  }

  protected markFailed(id: string): void {
    this.failed.update((failed) => new Set(failed).add(id));
  }
}

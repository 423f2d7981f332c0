import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  ElementRef,
  inject,
  Injector,
  input,
  LOCALE_ID,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { formatCents } from '@finserve/web/ui';

import {
  formatOffset,
  needsMore,
  REPLAY_LOOKAHEAD_SECONDS,
  replayOffset,
  toReplay,
  visibleAt,
} from './chat-replay';
import { ChatReplayDocument, type ChatMessageFieldsFragment } from './graphql.generated';

/** Messages read per request. */
const PAGE = 200;

/**
 * The chat of a past broadcast, in step with its replay: a message shows once playback passes
 * the moment it was sent; seeking back takes the later ones away, seeking forward brings the
 * passed ones. The chat is read in order (`chatReplay(to:, after:)`) up to a minute past the
 * position, and on as playback nears the end of what is loaded (a seek far ahead reads on to it),
 * so a long broadcast is never read whole up front.
 */
@Component({
  selector: 'fs-chat-replay',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule],
  template: `
    <section class="chat" aria-label="Chat replay" i18n-aria-label="@@chatReplay.label">
      <h2 i18n="@@chatReplay.heading">Chat replay</h2>
      <div
        #log
        class="log"
        role="log"
        aria-live="polite"
        aria-label="Chat messages as they were sent"
        i18n-aria-label="@@chatReplay.messagesLabel"
        tabindex="0"
        data-testid="chat-replay-log"
        [attr.data-loaded]="loaded().length"
      >
        @for (message of visible(); track message.id) {
          <div
            class="message"
            [class.tip]="message.type === 'TIP'"
            [class.alert]="message.type === 'ALERT'"
            [class.emoji]="message.type === 'EMOJI'"
            data-testid="chat-replay-message"
            [attr.data-message-id]="message.id"
          >
            <span class="time">{{ offsetOf(message) }}</span>
            @if (message.author; as author) {
              <span class="author">{{ author.displayName }}</span>
            }
            @if (message.type === 'TIP' && message.tip; as tip) {
              <mat-icon class="tip-icon" aria-hidden="true">paid</mat-icon>
              <span class="body" data-testid="chat-replay-body">{{
                tipLine(tip.amountCents, tip.currency)
              }}</span>
              @if (tip.message) {
                <span class="body">{{ tip.message }}</span>
              }
            } @else {
              <span class="body" data-testid="chat-replay-body">{{ message.body }}</span>
            }
          </div>
        } @empty {
          <p class="quiet" data-testid="chat-replay-empty" i18n="@@chatReplay.empty">
            Nothing was said in the chat up to this point.
          </p>
        }
      </div>
      @if (failed()) {
        <p class="fs-error" role="alert" data-testid="chat-replay-error">
          <span i18n="@@chatReplay.failed">The chat could not be loaded.</span>
          <button mat-button type="button" (click)="retry()" i18n="@@chatReplay.retry">
            Try again
          </button>
        </p>
      }
    </section>
  `,
  styles: `
    :host {
      display: block;
      height: 100%;
      min-height: 0;
    }
    .chat {
      display: flex;
      flex-direction: column;
      height: 100%;
      min-height: 0;
    }
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 8px 0;
    }
    .log {
      flex: 1;
      min-height: 200px;
      overflow-y: auto;
      padding: 4px 0;
      border-top: 1px solid var(--mat-sys-outline-variant);
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      overflow-wrap: anywhere;
    }
    .message {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 6px;
      padding: 4px 8px;
      font: var(--mat-sys-body-medium);
    }
    .time {
      color: var(--mat-sys-on-surface-variant);
      font-size: 11px;
      font-variant-numeric: tabular-nums;
    }
    .author {
      font-weight: 600;
    }
    .body {
      white-space: pre-wrap;
    }
    .tip {
      background: color-mix(in srgb, #f9a825 22%, transparent);
      border-left: 3px solid #f9a825;
    }
    .tip .body {
      font-weight: 600;
    }
    .tip-icon {
      font-size: 18px;
      width: 18px;
      height: 18px;
    }
    .alert {
      color: var(--mat-sys-tertiary);
      font-style: italic;
    }
    .emoji .body {
      font-size: 20px;
    }
    .quiet {
      padding: 8px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class ChatReplayComponent {
  private readonly apollo = inject(Apollo);
  private readonly injector = inject(Injector);
  private readonly locale = inject(LOCALE_ID);

  readonly streamId = input.required<string>();
  /** When the recording started (its time 0): the recording's `createdAt`. */
  readonly recordingStartedAt = input.required<string>();
  /** The replay's playback position, in seconds. */
  readonly position = input(0);
  /** The recording's length in seconds, when known: nothing past it is read. */
  readonly durationSeconds = input<number | null>(null);

  /** Every message read so far, in id order. */
  protected readonly loaded = signal<ChatMessageFieldsFragment[]>([]);
  /** Up to which replay second every message is read (null: nothing read yet). */
  private readonly loadedUntil = signal<number | null>(null);
  private readonly exhausted = computed(() => {
    const until = this.loadedUntil();
    const duration = this.durationSeconds();
    return until !== null && duration !== null && until >= duration;
  });
  protected readonly failed = signal(false);
  private loading = false;
  /** Bumped on a new stream: a page answered for the previous one is dropped. */
  private generation = 0;

  private readonly timeline = computed(() => toReplay(this.loaded(), this.recordingStartedAt()));
  protected readonly visible = computed(() => visibleAt(this.timeline(), this.position()));
  private readonly log = viewChild.required<ElementRef<HTMLElement>>('log');

  constructor() {
    effect(() => {
      this.streamId();
      untracked(() => {
        this.generation++;
        this.loading = false;
        this.loaded.set([]);
        this.loadedUntil.set(null);
        this.failed.set(false);
      });
    });
    // Read on while playback nears the end of what is loaded (a seek far ahead reads on to it).
    effect(() => {
      if (this.failed() || !needsMore(this.loadedUntil(), this.position(), this.exhausted()))
        return;
      untracked(() => void this.loadPage());
    });
    // The newest visible message stays in view.
    effect(() => {
      this.visible();
      afterNextRender(() => this.scrollToBottom(), { injector: this.injector });
    });
  }

  protected offsetOf(message: ChatMessageFieldsFragment): string {
    return formatOffset(replayOffset(message.createdAt, this.recordingStartedAt()));
  }

  protected tipLine(amountCents: number, currency: string): string {
    const amount = formatCents(amountCents, currency, this.locale);
    return $localize`:@@chat.tipped:tipped ${amount}:amount:`;
  }

  protected retry(): void {
    this.failed.set(false);
  }

  private async loadPage(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    const generation = this.generation;
    const start = this.recordingStartedAt();
    const target = this.position() + REPLAY_LOOKAHEAD_SECONDS;
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: ChatReplayDocument,
          // Everything up to `target` (what was said before the recording shows from 0:00).
          variables: {
            streamId: this.streamId(),
            to: new Date(Date.parse(start) + target * 1000).toISOString(),
            after: this.loaded().at(-1)?.id ?? null,
            limit: PAGE,
          },
          fetchPolicy: 'no-cache',
        }),
      );
      if (generation !== this.generation) return;
      const page = result.data?.chatReplay ?? [];
      this.loading = false;
      if (page.length > 0) this.loaded.update((messages) => [...messages, ...page]);
      // A full page may leave more before `target`: loaded up to its last message, read on.
      const last = page.at(-1);
      this.loadedUntil.set(
        page.length === PAGE && last ? replayOffset(last.createdAt, start) : target,
      );
    } catch {
      if (generation !== this.generation) return;
      this.loading = false;
      this.failed.set(true);
    }
  }

  private scrollToBottom(): void {
    const element = this.log().nativeElement;
    element.scrollTop = element.scrollHeight;
  }
}

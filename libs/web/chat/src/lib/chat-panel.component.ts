import { DatePipe } from '@angular/common';
import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  Injector,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatMenuModule } from '@angular/material/menu';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom, map, type Subscription } from 'rxjs';

import { CHAT_BODY_MAX_CODE_POINTS, CHAT_REACTIONS, checkChatBody } from '@finserve/shared';
import { AuthService, GraphqlSocket, toUiError } from '@finserve/web/data-access';

import { lastMessageId, mergeMessages } from './chat-timeline';
import {
  BanChatUserDocument,
  ChatMessageAddedDocument,
  ChatMessagesDocument,
  ChatReactionsDocument,
  ChatSettingsDocument,
  DeleteChatMessageDocument,
  SendChatMessageDocument,
  SetChatSlowModeDocument,
  TimeoutChatUserDocument,
  type ChatMessageFieldsFragment,
} from './graphql.generated';

const PAGE = 100;

/**
 * A stream's chat: history plus live messages, catch-up after a reconnect without duplicates,
 * auto-scroll that pauses while the reader looks further up, quick emoji reactions, and the
 * moderation actions for the streamer's console.
 */
@Component({
  selector: 'fs-chat-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    FormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatMenuModule,
    MatSelectModule,
    MatTooltipModule,
  ],
  template: `
    <section class="chat" aria-label="Chat">
      <header class="chat-head">
        <h2>Chat</h2>
        @if (moderator()) {
          <mat-form-field appearance="outline" subscriptSizing="dynamic" class="slow">
            <mat-label>Slow mode</mat-label>
            <mat-select
              [value]="slowMode()"
              (selectionChange)="setSlowMode($event.value)"
              data-testid="slow-mode"
            >
              @for (option of slowModeOptions; track option.seconds) {
                <mat-option [value]="option.seconds">{{ option.label }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
        }
      </header>
      <div
        #log
        class="log"
        role="log"
        aria-live="polite"
        aria-label="Chat messages"
        tabindex="0"
        data-testid="chat-log"
        (scroll)="onScroll()"
      >
        @for (message of messages(); track message.id) {
          <div
            class="message"
            [class.tip]="message.type === 'TIP'"
            [class.alert]="message.type === 'ALERT'"
            [class.emoji]="message.type === 'EMOJI'"
            [class.deleted]="message.deleted"
            data-testid="chat-message"
            [attr.data-message-id]="message.id"
          >
            <span class="time">{{ message.createdAt | date: 'HH:mm' }}</span>
            @if (message.author; as author) {
              <span class="author">{{ author.displayName }}</span>
            }
            @if (message.deleted) {
              <span class="body removed" data-testid="chat-removed">message removed</span>
            } @else {
              @if (message.type === 'TIP') {
                <mat-icon class="tip-icon" aria-hidden="true">paid</mat-icon>
              }
              <span class="body" data-testid="chat-body">{{ message.body }}</span>
            }
            @if (moderator() && !message.deleted && message.author; as author) {
              <button
                mat-icon-button
                type="button"
                class="mod"
                [matMenuTriggerFor]="modMenu"
                [attr.aria-label]="'Moderate message from ' + author.displayName"
                data-testid="moderate"
              >
                <mat-icon aria-hidden="true">more_vert</mat-icon>
              </button>
              <mat-menu #modMenu="matMenu">
                <button
                  mat-menu-item
                  type="button"
                  (click)="remove(message)"
                  data-testid="delete-message"
                >
                  <mat-icon aria-hidden="true">delete</mat-icon>Delete message
                </button>
                <button
                  mat-menu-item
                  type="button"
                  (click)="timeout(author.id, author.displayName)"
                >
                  <mat-icon aria-hidden="true">timer</mat-icon>Time out 5 minutes
                </button>
                <button mat-menu-item type="button" (click)="ban(author.id, author.displayName)">
                  <mat-icon aria-hidden="true">block</mat-icon>Ban from chat
                </button>
              </mat-menu>
            }
          </div>
        } @empty {
          <p class="quiet">No messages yet. Say hello!</p>
        }
      </div>
      @if (paused() && unseen() > 0) {
        <button mat-stroked-button type="button" class="jump" (click)="jumpToLatest()">
          <mat-icon aria-hidden="true">arrow_downward</mat-icon>{{ unseen() }} new
        </button>
      }
      @if (canChat()) {
        @if (auth.signedIn()) {
          <div class="reactions" role="group" aria-label="Quick reactions">
            @for (emoji of reactions(); track emoji) {
              <button
                mat-button
                type="button"
                class="emoji-button"
                (click)="send(emoji)"
                [attr.aria-label]="'Send ' + emoji"
              >
                {{ emoji }}
              </button>
            }
          </div>
          <form class="composer" (ngSubmit)="send(draft())">
            <mat-form-field appearance="outline" subscriptSizing="dynamic" class="input">
              <mat-label>Send a message</mat-label>
              <input
                matInput
                name="body"
                autocomplete="off"
                [maxlength]="maxLength"
                [ngModel]="draft()"
                (ngModelChange)="draft.set($event)"
                data-testid="chat-input"
              />
            </mat-form-field>
            <button
              mat-icon-button
              type="submit"
              aria-label="Send message"
              [disabled]="sending()"
              data-testid="chat-send"
            >
              <mat-icon aria-hidden="true">send</mat-icon>
            </button>
          </form>
          @if (error(); as message) {
            <p class="fs-error" role="alert" data-testid="chat-error">{{ message }}</p>
          }
        } @else {
          <p class="signin" data-testid="chat-signin">
            <a mat-stroked-button routerLink="/signin" [queryParams]="{ returnUrl: router.url }"
              >Sign in to chat</a
            >
          </p>
        }
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
      position: relative;
    }
    .chat-head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
    }
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 8px 0;
    }
    .slow {
      width: 140px;
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
    .removed {
      font-style: italic;
      color: var(--mat-sys-on-surface-variant);
    }
    .mod {
      margin-left: auto;
      width: 32px;
      height: 32px;
      padding: 4px;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
      padding: 8px;
    }
    .jump {
      position: absolute;
      bottom: 120px;
      left: 50%;
      transform: translateX(-50%);
      background: var(--mat-sys-surface);
    }
    .reactions {
      display: flex;
      flex-wrap: wrap;
      gap: 2px;
      padding-top: 4px;
    }
    .emoji-button {
      min-width: 40px;
      padding: 0 6px;
      font-size: 18px;
    }
    .composer {
      display: flex;
      align-items: center;
      gap: 4px;
      padding-top: 4px;
    }
    .input {
      flex: 1;
    }
    .signin {
      padding: 12px 0;
      text-align: center;
    }
  `,
})
export class ChatPanelComponent {
  protected readonly auth = inject(AuthService);
  protected readonly router = inject(Router);
  private readonly apollo = inject(Apollo);
  private readonly socket = inject(GraphqlSocket);
  private readonly snackBar = inject(MatSnackBar);
  private readonly injector = inject(Injector);

  readonly streamId = input.required<string>();
  /** Whether chatting is possible now (the stream is LIVE). */
  readonly canChat = input(true);
  /** The streamer's console: moderation actions and slow mode. */
  readonly moderator = input(false);

  protected readonly maxLength = CHAT_BODY_MAX_CODE_POINTS;
  protected readonly slowModeOptions = [
    { seconds: 0, label: 'Off' },
    { seconds: 5, label: '5 s' },
    { seconds: 30, label: '30 s' },
    { seconds: 120, label: '2 min' },
  ];

  protected readonly messages = signal<ChatMessageFieldsFragment[]>([]);
  protected readonly draft = signal('');
  protected readonly sending = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly paused = signal(false);
  protected readonly unseen = signal(0);
  protected readonly slowMode = signal(0);
  protected readonly reactions = toSignal(
    this.apollo
      .query({ query: ChatReactionsDocument })
      .pipe(map((result) => result.data?.chatReactions ?? [...CHAT_REACTIONS])),
    { initialValue: [...CHAT_REACTIONS] },
  );

  private readonly log = viewChild.required<ElementRef<HTMLElement>>('log');
  private live?: Subscription;
  private readonly count = computed(() => this.messages().length);

  constructor() {
    effect(() => {
      const streamId = this.streamId();
      untracked(() => this.open(streamId));
    });
    effect(() => {
      if (this.moderator()) untracked(() => void this.loadSettings(this.streamId()));
    });
    // After a reconnect, fetch what was said while the socket was down.
    this.socket.reconnected$
      .pipe(takeUntilDestroyed())
      .subscribe(() => void this.catchUp(this.streamId()));
    // New messages: follow them when the reader is at the bottom, else count them.
    let seen = 0;
    effect(() => {
      const count = this.count();
      const added = Math.max(0, count - seen);
      seen = count;
      if (untracked(this.paused)) this.unseen.update((n) => n + added);
      else afterNextRender(() => this.scrollToBottom(), { injector: this.injector });
    });
    inject(DestroyRef).onDestroy(() => this.live?.unsubscribe());
  }

  protected onScroll(): void {
    const element = this.log().nativeElement;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    this.paused.set(!atBottom);
    if (atBottom) this.unseen.set(0);
  }

  protected jumpToLatest(): void {
    this.paused.set(false);
    this.unseen.set(0);
    this.scrollToBottom();
  }

  protected async send(raw: string): Promise<void> {
    const check = checkChatBody(raw);
    if (!check.ok) {
      this.error.set(`Cannot send: ${check.reason}`);
      return;
    }
    this.sending.set(true);
    this.error.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: SendChatMessageDocument,
          variables: { streamId: this.streamId(), body: check.body },
          fetchPolicy: 'no-cache',
        }),
      );
      const sent = result.data?.sendChatMessage;
      if (sent) this.add([sent]);
      if (raw === this.draft()) this.draft.set('');
      this.jumpToLatest();
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.sending.set(false);
    }
  }

  protected async remove(message: ChatMessageFieldsFragment): Promise<void> {
    await this.moderate(async () => {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: DeleteChatMessageDocument,
          variables: { messageId: message.id },
          fetchPolicy: 'no-cache',
        }),
      );
      const deleted = result.data?.deleteChatMessage;
      if (deleted) this.add([deleted]);
    }, 'Message deleted');
  }

  protected timeout(userId: string, name: string): Promise<void> {
    return this.moderate(
      () =>
        firstValueFrom(
          this.apollo.mutate({
            mutation: TimeoutChatUserDocument,
            variables: { streamId: this.streamId(), userId, seconds: 300 },
          }),
        ),
      `${name} timed out for 5 minutes`,
    );
  }

  protected ban(userId: string, name: string): Promise<void> {
    return this.moderate(
      () =>
        firstValueFrom(
          this.apollo.mutate({
            mutation: BanChatUserDocument,
            variables: { streamId: this.streamId(), userId },
          }),
        ),
      `${name} banned from chat`,
    );
  }

  protected setSlowMode(seconds: number): Promise<void> {
    return this.moderate(
      async () => {
        const result = await firstValueFrom(
          this.apollo.mutate({
            mutation: SetChatSlowModeDocument,
            variables: { streamId: this.streamId(), seconds },
          }),
        );
        this.slowMode.set(result.data?.setChatSlowMode.slowModeSeconds ?? seconds);
      },
      seconds ? `Slow mode: one message per ${seconds} s` : 'Slow mode off',
    );
  }

  private async moderate(action: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await action();
      this.snackBar.open(done, undefined, { duration: 2500 });
    } catch (error) {
      this.snackBar.open(toUiError(error).message, 'Dismiss', { duration: 5000 });
    }
  }

  private open(streamId: string): void {
    this.live?.unsubscribe();
    this.messages.set([]);
    // Subscribe first, then read the history: nothing falls between the two.
    this.live = this.apollo
      .subscribe({
        query: ChatMessageAddedDocument,
        variables: { streamId },
        fetchPolicy: 'no-cache',
      })
      .subscribe((result) => {
        const message = result.data?.chatMessage;
        if (message) this.add([message]);
      });
    void this.loadHistory(streamId);
  }

  private async loadHistory(streamId: string): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: ChatMessagesDocument,
          variables: { streamId, limit: 50 },
          fetchPolicy: 'no-cache',
        }),
      );
      if (streamId === this.streamId()) this.add(result.data?.chatMessages ?? []);
    } catch (error) {
      this.error.set(toUiError(error).message);
    }
  }

  /** Pages through `chatMessages(after: lastId)` until nothing is left to fetch. */
  private async catchUp(streamId: string): Promise<void> {
    try {
      for (let page = 0; page < 20; page++) {
        const after = lastMessageId(this.messages());
        const result = await firstValueFrom(
          this.apollo.query({
            query: ChatMessagesDocument,
            variables: { streamId, after, limit: PAGE },
            fetchPolicy: 'no-cache',
          }),
        );
        const missed = result.data?.chatMessages ?? [];
        if (streamId !== this.streamId()) return;
        this.add(missed);
        if (missed.length < PAGE) return;
      }
    } catch {
      // The next reconnect tries again.
    }
  }

  private async loadSettings(streamId: string): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: ChatSettingsDocument,
          variables: { streamId },
          fetchPolicy: 'network-only',
        }),
      );
      this.slowMode.set(result.data?.chatSettings.slowModeSeconds ?? 0);
    } catch {
      // Not a moderator of this stream: the select stays at "Off".
    }
  }

  private add(incoming: readonly ChatMessageFieldsFragment[]): void {
    this.messages.update((current) => mergeMessages(current, incoming));
  }

  private scrollToBottom(): void {
    const element = this.log().nativeElement;
    element.scrollTop = element.scrollHeight;
  }
}

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
  LOCALE_ID,
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
import { formatCents } from '@finserve/web/ui';

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
  templateUrl: './chat-panel.component.html',
  styleUrl: './chat-panel.component.scss',
})
export class ChatPanelComponent {
  protected readonly auth = inject(AuthService);
  protected readonly router = inject(Router);
  private readonly apollo = inject(Apollo);
  private readonly socket = inject(GraphqlSocket);
  private readonly snackBar = inject(MatSnackBar);
  private readonly injector = inject(Injector);
  private readonly locale = inject(LOCALE_ID);

  readonly streamId = input.required<string>();
  /** Whether chatting is possible now (the stream is LIVE). */
  readonly canChat = input(true);
  /** The streamer's console: moderation actions and slow mode. */
  readonly moderator = input(false);

  protected readonly maxLength = CHAT_BODY_MAX_CODE_POINTS;
  private readonly dismiss = $localize`:@@common.dismiss:Dismiss`;
  protected readonly slowModeOptions = [
    { seconds: 0, label: $localize`:@@chat.slowMode.off:Off` },
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
      this.error.set(this.cannotSend(raw));
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
      this.error.set(toUiError(error, 'chat').message);
    } finally {
      this.sending.set(false);
    }
  }

  protected async remove(message: ChatMessageFieldsFragment): Promise<void> {
    await this.moderate(
      async () => {
        const result = await firstValueFrom(
          this.apollo.mutate({
            mutation: DeleteChatMessageDocument,
            variables: { messageId: message.id },
            fetchPolicy: 'no-cache',
          }),
        );
        const deleted = result.data?.deleteChatMessage;
        if (deleted) this.add([deleted]);
      },
      $localize`:@@chat.deleted:Message deleted`,
    );
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
      $localize`:@@chat.timedOut:${name}:name: timed out for 5 minutes`,
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
      $localize`:@@chat.banned:${name}:name: banned from chat`,
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
      seconds
        ? $localize`:@@chat.slowMode.on:Slow mode: one message per ${seconds}:seconds: s`
        : $localize`:@@chat.slowMode.offDone:Slow mode off`,
    );
  }

  private async moderate(action: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await action();
      this.snackBar.open(done, undefined, { duration: 2500 });
    } catch (error) {
      this.snackBar.open(toUiError(error, 'moderation').message, this.dismiss, {
        duration: 5000,
      });
    }
  }

  /** The TIP line after the tipper's display name, in the app's language and locale. */
  protected tipLine(amountCents: number, currency: string): string {
    const amount = formatCents(amountCents, currency, this.locale);
    return $localize`:@@chat.tipped:tipped ${amount}:amount:`;
  }

  protected moderateLabel(name: string): string {
    return $localize`:@@chat.moderateLabel:Moderate message from ${name}:name:`;
  }

  protected sendEmojiLabel(emoji: string): string {
    return $localize`:@@chat.sendEmoji:Send ${emoji}:emoji:`;
  }

  /** Why a body the client refuses cannot be sent (checked here, not read from the reason text). */
  private cannotSend(raw: string): string {
    if (!raw.trim()) return $localize`:@@chat.invalid.empty:Type a message first.`;
    if ([...raw.trim()].length > this.maxLength)
      return $localize`:@@chat.invalid.long:Messages are at most ${this.maxLength}:max: characters.`;
    return $localize`:@@chat.invalid.characters:This message contains characters that cannot be sent.`;
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

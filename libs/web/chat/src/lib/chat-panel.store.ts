import {
  DestroyRef,
  effect,
  inject,
  Injectable,
  signal,
  untracked,
  type Signal,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Apollo } from 'apollo-angular';
import { firstValueFrom, map, type Subscription } from 'rxjs';

import { CHAT_BODY_MAX_CODE_POINTS, CHAT_REACTIONS, checkChatBody } from '@finserve/shared';
import { GraphqlSocket, toUiError } from '@finserve/web/data-access';

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

/** Messages asked for per page when catching up after a reconnect. */
const PAGE = 100;

/** What the panel gives the store: its inputs. */
export interface ChatPanelBinding {
  streamId: Signal<string>;
  /** The streamer's console: the slow mode in force is read. */
  moderator: Signal<boolean>;
}

/**
 * Why the client refuses to send `raw` (a body `checkChatBody` refuses), in the app's language:
 * decided here, not read from the reason text.
 */
export function cannotSendReason(raw: string): string {
  if (!raw.trim()) return $localize`:@@chat.invalid.empty:Type a message first.`;
  if ([...raw.trim()].length > CHAT_BODY_MAX_CODE_POINTS)
    return $localize`:@@chat.invalid.long:Messages are at most ${CHAT_BODY_MAX_CODE_POINTS}:max: characters.`;
  return $localize`:@@chat.invalid.characters:This message contains characters that cannot be sent.`;
}

/**
 * A stream's chat (provided by each panel): the history plus live messages, catch-up after a
 * reconnect without duplicates, sending, the quick reactions, and the streamer's moderation
 * actions and slow mode. Scrolling and wording stay the panel's.
 */
@Injectable()
export class ChatPanelStore {
  private readonly apollo = inject(Apollo);
  private readonly socket = inject(GraphqlSocket);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);

  private readonly dismiss = $localize`:@@common.dismiss:Dismiss`;

  /** Oldest first, each once (see `mergeMessages`). */
  readonly messages = signal<ChatMessageFieldsFragment[]>([]);
  readonly draft = signal('');
  readonly sending = signal(false);
  readonly error = signal<string | null>(null);
  /** Seconds between two messages of a viewer; 0 is off. Read for moderators only. */
  readonly slowMode = signal(0);
  readonly reactions = toSignal(
    this.apollo
      .query({ query: ChatReactionsDocument })
      .pipe(map((result) => result.data?.chatReactions ?? [...CHAT_REACTIONS])),
    { initialValue: [...CHAT_REACTIONS] },
  );

  private binding?: ChatPanelBinding;
  private live?: Subscription;

  /** Follows `binding`'s stream; call once, from the panel's constructor. */
  bind(binding: ChatPanelBinding): void {
    this.binding = binding;
    effect(() => {
      const streamId = binding.streamId();
      untracked(() => this.open(streamId));
    });
    effect(() => {
      if (binding.moderator()) untracked(() => void this.loadSettings(binding.streamId()));
    });
    // After a reconnect, fetch what was said while the socket was down.
    this.socket.reconnected$
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe(() => void this.catchUp(binding.streamId()));
    this.destroyRef.onDestroy(() => this.live?.unsubscribe());
  }

  private get streamId(): string {
    if (!this.binding) throw new Error('ChatPanelStore used before bind()');
    return this.binding.streamId();
  }

  /**
   * Sends `raw` (trimmed), or says why it cannot be sent. True when the server took it: it is
   * shown, and the draft emptied if it was the draft.
   */
  async send(raw: string): Promise<boolean> {
    const check = checkChatBody(raw);
    if (!check.ok) {
      this.error.set(cannotSendReason(raw));
      return false;
    }
    this.sending.set(true);
    this.error.set(null);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: SendChatMessageDocument,
          variables: { streamId: this.streamId, body: check.body },
          fetchPolicy: 'no-cache',
        }),
      );
      const sent = result.data?.sendChatMessage;
      if (sent) this.add([sent]);
      if (raw === this.draft()) this.draft.set('');
      return true;
    } catch (error) {
      this.error.set(toUiError(error, 'chat').message);
      return false;
    } finally {
      this.sending.set(false);
    }
  }

  async remove(message: ChatMessageFieldsFragment): Promise<void> {
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

  timeout(userId: string, name: string): Promise<void> {
    return this.moderate(
      () =>
        firstValueFrom(
          this.apollo.mutate({
            mutation: TimeoutChatUserDocument,
            variables: { streamId: this.streamId, userId, seconds: 300 },
          }),
        ),
      $localize`:@@chat.timedOut:${name}:name: timed out for 5 minutes`,
    );
  }

  ban(userId: string, name: string): Promise<void> {
    return this.moderate(
      () =>
        firstValueFrom(
          this.apollo.mutate({
            mutation: BanChatUserDocument,
            variables: { streamId: this.streamId, userId },
          }),
        ),
      $localize`:@@chat.banned:${name}:name: banned from chat`,
    );
  }

  setSlowMode(seconds: number): Promise<void> {
    return this.moderate(
      async () => {
        const result = await firstValueFrom(
          this.apollo.mutate({
            mutation: SetChatSlowModeDocument,
            variables: { streamId: this.streamId, seconds },
          }),
        );
        this.slowMode.set(result.data?.setChatSlowMode.slowModeSeconds ?? seconds);
      },
      seconds
        ? $localize`:@@chat.slowMode.on:Slow mode: one message per ${seconds}:seconds: s`
        : $localize`:@@chat.slowMode.offDone:Slow mode off`,
    );
  }

  /** Runs a moderation action, then says `done`, or why it was refused. */
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
      if (streamId === this.streamId) this.add(result.data?.chatMessages ?? []);
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
        if (streamId !== this.streamId) return;
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
}

import { DatePipe } from '@angular/common';
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
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatMenuModule } from '@angular/material/menu';
import { MatSelectModule } from '@angular/material/select';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';

import { CHAT_BODY_MAX_CODE_POINTS } from '@finserve/shared';
import { AuthService } from '@finserve/web/data-access';
import { formatCents } from '@finserve/web/ui';

import { ChatPanelStore } from './chat-panel.store';

/**
 * A stream's chat: history plus live messages, catch-up after a reconnect without duplicates,
 * auto-scroll that pauses while the reader looks further up, quick emoji reactions, and the
 * moderation actions for the streamer's console. The chat itself is `ChatPanelStore`'s; the panel
 * keeps the scrolling and the wording.
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
  providers: [ChatPanelStore],
  templateUrl: './chat-panel.component.html',
  styleUrl: './chat-panel.component.scss',
})
export class ChatPanelComponent {
  protected readonly store = inject(ChatPanelStore);
  protected readonly auth = inject(AuthService);
  protected readonly router = inject(Router);
  private readonly injector = inject(Injector);
  private readonly locale = inject(LOCALE_ID);

  readonly streamId = input.required<string>();
  /** Whether chatting is possible now (the stream is LIVE). */
  readonly canChat = input(true);
  /** The streamer's console: moderation actions and slow mode. */
  readonly moderator = input(false);

  protected readonly maxLength = CHAT_BODY_MAX_CODE_POINTS;
  protected readonly slowModeOptions = [
    { seconds: 0, label: $localize`:@@chat.slowMode.off:Off` },
    { seconds: 5, label: '5 s' },
    { seconds: 30, label: '30 s' },
    { seconds: 120, label: '2 min' },
  ];

  /** The reader scrolled up: new messages are counted, not followed. */
  protected readonly paused = signal(false);
  protected readonly unseen = signal(0);

  private readonly log = viewChild.required<ElementRef<HTMLElement>>('log');
  private readonly count = computed(() => this.store.messages().length);

  constructor() {
    this.store.bind({ streamId: this.streamId, moderator: this.moderator });
    // New messages: follow them when the reader is at the bottom, else count them.
    let seen = 0;
    effect(() => {
      const count = this.count();
      const added = Math.max(0, count - seen);
      seen = count;
      if (untracked(this.paused)) this.unseen.update((n) => n + added);
      else afterNextRender(() => this.scrollToBottom(), { injector: this.injector });
    });
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

  /** Sends `raw`; once sent, the log follows the latest messages again. */
  protected async send(raw: string): Promise<void> {
    if (await this.store.send(raw)) this.jumpToLatest();
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

  private scrollToBottom(): void {
    const element = this.log().nativeElement;
    element.scrollTop = element.scrollHeight;
  }
}

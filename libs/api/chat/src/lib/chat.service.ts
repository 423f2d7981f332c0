import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  ForbiddenError,
  PUB_SUB,
  RATE_LIMITER,
  RateLimitedError,
  type AuthUser,
  type EventBus,
  type RateLimiter,
} from '@finserve/api/core';
import { StreamLifecycle, StreamsService } from '@finserve/api/streams';
import { checkChatBody, findBlockedTerm, MessageType, Role, StreamStatus } from '@finserve/shared';

import { ChatMessagesRepository } from './chat-messages.repository';
import { ChatModerationRepository, type ChatRules } from './chat-moderation.repository';
import type { ChatMessageRecord } from './chat.model';

export const chatChannel = (streamId: string): string => `chat.${streamId}`;

/**
 * The messages of a stream's chat: sending under its rules, system and tip messages, history and
 * replay, and their publication to subscribers. Moderation is ChatModerationService's.
 */
@Injectable()
export class ChatService implements OnModuleInit {
  private readonly logger = new Logger(ChatService.name);
  private readonly postedListeners: Array<(message: ChatMessageRecord) => Promise<void>> = [];

  /**
   * In-process hook on each new message (TEXT, EMOJI, TIP, ALERT), run once by the instance that
   * stored it, after it committed (the webhooks lib sends CHAT_MESSAGE). A failing listener is
   * logged; the message stands.
   */
  onPosted(listener: (message: ChatMessageRecord) => Promise<void>): void {
    this.postedListeners.push(listener);
  }

  constructor(
    private readonly dataSource: DataSource,
    private readonly messages: ChatMessagesRepository,
    private readonly moderation: ChatModerationRepository,
    private readonly streams: StreamsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly lifecycle: StreamLifecycle,
    @Inject(PUB_SUB) private readonly bus: EventBus,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onTransition(async ({ stream, to }) => {
      if (to === StreamStatus.LIVE) await this.postAlert(stream.id, 'The stream is live');
      if (to === StreamStatus.ENDED) await this.postAlert(stream.id, 'The stream has ended');
    });
  }

  /**
   * A user's message: valid body, under the user's rate limit, on a LIVE stream, not banned or
   * timed out, without a blocked term, within slow mode; committed, then published.
   */
  async send(user: AuthUser, streamId: string, rawBody: string): Promise<ChatMessageRecord> {
    const checked = checkChatBody(rawBody);
    if (!checked.ok) throw new BadUserInputError(checked.reason);

    const perSecond = this.config.CHAT_RATE_LIMIT_PER_SECOND;
    const rate = await this.limiter.consume(`chat:${user.id}`, {
      capacity: perSecond,
      refillPerSecond: perSecond,
    });
    if (!rate.allowed) {
      throw new RateLimitedError(
        rate.retryAfterSeconds,
        `You can send ${perSecond} messages per second`,
      );
    }

    const now = this.clock.now();
    const record = await this.dataSource.transaction(async (manager) => {
      const { stream, rules, moderator } = await this.assertMayPost(
        manager,
        user,
        streamId,
        checked.body,
        now,
      );
      if (stream.status !== StreamStatus.LIVE)
        throw new ConflictError('Chat is open only while the stream is LIVE');
      const slow = rules.slowModeSeconds;
      if (slow > 0 && !moderator) {
        const turn = await this.limiter.consume(`slow:${streamId}:${user.id}`, {
          capacity: 1,
          refillPerSecond: 1 / slow,
        });
        if (!turn.allowed) {
          throw new RateLimitedError(
            turn.retryAfterSeconds,
            `Slow mode: one message every ${slow} seconds`,
          );
        }
      }
      return this.messages.insert(manager, {
        streamId,
        authorId: user.id,
        type: checked.type,
        body: checked.body,
        at: now,
      });
    });
    await this.published(record);
    return record;
  }

  /**
   * The chat rules a user's text must pass to appear in a stream's chat, in the caller's
   * transaction (the stream's chat lock is taken and held to its commit, so a ban or timeout is
   * either before this check or after the text was accepted; the stream's row is held FOR SHARE,
   * so it cannot end meanwhile): not banned, not timed out, no blocked term (the streamer and
   * admins are exempt from blocked terms).
   */
  async assertMayPost(
    manager: EntityManager,
    user: AuthUser,
    streamId: string,
    text: string,
    now: Date = this.clock.now(),
  ): Promise<{
    stream: { status: StreamStatus; streamerId: string };
    rules: ChatRules;
    moderator: boolean;
  }> {
    await this.messages.lockChat(manager, streamId);
    const stream = await this.streams.lockShared(manager, streamId);
    const rules = await this.moderation.rulesFor(manager, streamId, user.id, now);
    const moderator = stream.streamerId === user.id || user.role === Role.ADMIN;
    if (rules.banUntil !== undefined) {
      throw rules.banUntil === null
        ? new ForbiddenError('You are banned from this chat', { reason: 'BANNED' })
        : new ForbiddenError('You are timed out in this chat', {
            reason: 'TIMED_OUT',
            retryAfterSeconds: Math.max(
              1,
              Math.ceil((rules.banUntil.getTime() - now.getTime()) / 1000),
            ),
          });
    }
    if (!moderator && findBlockedTerm(text, rules.blockedTerms)) {
      throw new BadUserInputError('Your message contains a term blocked in this chat');
    }
    return { stream, rules, moderator };
  }

  /** System message (stream started/ended, moderation); posted whatever the stream's state. */
  async postAlert(streamId: string, body: string): Promise<ChatMessageRecord> {
    const record = await this.dataSource.transaction(async (manager) => {
      await this.messages.lockChat(manager, streamId);
      return this.messages.insert(manager, {
        streamId,
        authorId: null,
        type: MessageType.ALERT,
        body,
        at: this.clock.now(),
      });
    });
    await this.published(record);
    return record;
  }

  /**
   * The TIP chat messages of a batch of tips into one stream, written in the tips' transaction
   * (`manager`); `announce` each once that transaction committed.
   */
  insertTips(
    manager: EntityManager,
    streamId: string,
    tips: readonly { fromUserId: string; tipId: string; body: string }[],
  ): Promise<ChatMessageRecord[]> {
    const at = this.clock.now();
    return this.messages.insertTips(
      manager,
      streamId,
      tips.map((tip) => ({ ...tip, at })),
    );
  }

  /**
   * Takes the stream's chat lock in the caller's transaction (to its end): a batch of tips takes
   * it first, as every chat write does, so locks are always taken in one order.
   */
  lockChat(manager: EntityManager, streamId: string): Promise<void> {
    return this.messages.lockChat(manager, streamId);
  }

  /** Delivers a message written in a caller's transaction (see insertTips), after it committed. */
  announce(record: ChatMessageRecord): Promise<void> {
    return this.published(record);
  }

  /** NOT_FOUND unless the stream exists. */
  async assertStreamExists(streamId: string): Promise<void> {
    await this.streams.assertExists(streamId);
  }

  /** Without `after`: the newest `limit`. With `after`: up to `limit` that follow it. Oldest first. */
  async history(
    streamId: string,
    after: string | null | undefined,
    limit: number,
  ): Promise<ChatMessageRecord[]> {
    await this.assertStreamExists(streamId);
    return this.messages.page(streamId, after, limit);
  }

  /**
   * A stream's chat as it happened, for its replay: messages sent in [from, to) (either end
   * open), after `after`, in id order (commit order), at most `limit`. Removed messages are left
   * out: a replay shows what a moderator let stand.
   */
  async replay(
    streamId: string,
    range: { from?: Date | null; to?: Date | null; after?: string | null },
    limit: number,
  ): Promise<ChatMessageRecord[]> {
    const { from = null, to = null, after = null } = range;
    if (from && to && from.getTime() > to.getTime())
      throw new BadUserInputError('from must not be after to');
    await this.assertStreamExists(streamId);
    return this.messages.range(streamId, { from, to, after }, limit);
  }

  findMessage(messageId: string): Promise<ChatMessageRecord | null> {
    return this.messages.findById(messageId);
  }

  /** Messages sent by users (TEXT and EMOJI), by stream (the stats of a list of streams). */
  messageCounts(streamIds: readonly string[]): Promise<Map<string, number>> {
    return this.messages.countsByStream(streamIds);
  }

  /** Publishes a message changed after it was posted (removed by a moderator). */
  async republish(record: ChatMessageRecord): Promise<void> {
    await this.bus.publish(chatChannel(record.streamId), record);
  }

  /** A new message, committed: to its subscribers, then to the in-process listeners. */
  private async published(record: ChatMessageRecord): Promise<void> {
    await this.bus.publish(chatChannel(record.streamId), record);
    for (const listener of this.postedListeners) {
      await listener(record).catch((error: unknown) =>
        this.logger.warn(
          `chat message listener failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  }
}

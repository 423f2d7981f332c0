import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { UsersService } from '@finserve/api/auth';
import {
  BadUserInputError,
  Clock,
  ForbiddenError,
  NotFoundError,
  type AuthUser,
} from '@finserve/api/core';
import { StreamsService } from '@finserve/api/streams';
import { Role } from '@finserve/shared';

import { ChatMessagesRepository } from './chat-messages.repository';
import { ChatModerationRepository } from './chat-moderation.repository';
import type { ChatMessageRecord, ChatModerationActionModel, ChatSettingsModel } from './chat.model';
import { ChatService } from './chat.service';

/**
 * Moderation of a stream's chat, by its streamer or an admin: removing messages, timeouts and
 * bans, slow mode, blocked terms; each action is logged and announced in the chat.
 */
@Injectable()
export class ChatModerationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chat: ChatService,
    private readonly messages: ChatMessagesRepository,
    private readonly moderation: ChatModerationRepository,
    private readonly streams: StreamsService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async deleteMessage(moderator: AuthUser, messageId: string): Promise<ChatMessageRecord> {
    const message = await this.messages.findById(messageId);
    if (!message) throw new NotFoundError('Chat message');
    await this.assertModerator(moderator, message.streamId);
    const deleted = await this.messages.markDeleted(messageId, moderator.id, this.clock.now());
    if (!deleted) return { ...message, body: '', deleted: true }; // removed already
    await this.chat.republish(deleted);
    await this.record(moderator, message.streamId, 'DELETE_MESSAGE', {
      targetUserId: message.authorId,
      messageId,
    });
    await this.chat.postAlert(message.streamId, 'A message was removed by a moderator');
    return deleted;
  }

  timeout(
    moderator: AuthUser,
    streamId: string,
    userId: string,
    seconds: number,
  ): Promise<ChatModerationActionModel> {
    return this.restrict(moderator, streamId, userId, seconds);
  }

  ban(moderator: AuthUser, streamId: string, userId: string): Promise<ChatModerationActionModel> {
    return this.restrict(moderator, streamId, userId, null);
  }

  async unban(
    moderator: AuthUser,
    streamId: string,
    userId: string,
  ): Promise<ChatModerationActionModel> {
    await this.assertModerator(moderator, streamId);
    const target = await this.users.findById(userId);
    if (!target) throw new NotFoundError('User');
    await this.moderation.deleteBan(streamId, userId);
    const action = await this.record(moderator, streamId, 'UNBAN', { targetUserId: userId });
    await this.chat.postAlert(streamId, `${target.username} may chat again`);
    return action;
  }

  async setSlowMode(
    moderator: AuthUser,
    streamId: string,
    seconds: number,
  ): Promise<ChatSettingsModel> {
    await this.assertModerator(moderator, streamId);
    const settings = await this.moderation.saveSettings(streamId, { slowModeSeconds: seconds });
    await this.record(moderator, streamId, 'SLOW_MODE', { details: `${seconds}` });
    await this.chat.postAlert(
      streamId,
      seconds > 0 ? `Slow mode: one message every ${seconds} seconds` : 'Slow mode is off',
    );
    return settings;
  }

  async setBlockedTerms(
    moderator: AuthUser,
    streamId: string,
    terms: string[],
  ): Promise<ChatSettingsModel> {
    await this.assertModerator(moderator, streamId);
    const unique = [
      ...new Set(terms.map((term) => term.trim().toLocaleLowerCase()).filter(Boolean)),
    ];
    const settings = await this.moderation.saveSettings(streamId, { blockedTerms: unique });
    await this.record(moderator, streamId, 'BLOCKED_TERMS', {
      details: `${unique.length} term(s)`,
    });
    await this.chat.postAlert(streamId, 'The chat filter was updated');
    return settings;
  }

  async settings(moderator: AuthUser, streamId: string): Promise<ChatSettingsModel> {
    await this.assertModerator(moderator, streamId);
    return this.moderation.settings(streamId);
  }

  async moderationLog(
    moderator: AuthUser,
    streamId: string,
    limit: number,
  ): Promise<ChatModerationActionModel[]> {
    await this.assertModerator(moderator, streamId);
    return this.moderation.actions(streamId, limit);
  }

  private async restrict(
    moderator: AuthUser,
    streamId: string,
    userId: string,
    seconds: number | null,
  ): Promise<ChatModerationActionModel> {
    const streamerId = await this.assertModerator(moderator, streamId);
    const target = await this.users.findById(userId);
    if (!target) throw new NotFoundError('User');
    if (userId === streamerId || target.role === Role.ADMIN) {
      throw new BadUserInputError('The streamer and admins cannot be timed out or banned');
    }
    const now = this.clock.now();
    const expiresAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
    // Under the stream's chat lock: a text (message or tip) checked before is accepted, one
    // checked after sees the ban.
    await this.dataSource.transaction(async (manager) => {
      await this.messages.lockChat(manager, streamId);
      await this.moderation.saveBan(manager, {
        streamId,
        userId,
        expiresAt,
        by: moderator.id,
        at: now,
      });
    });
    const action = await this.record(moderator, streamId, seconds === null ? 'BAN' : 'TIMEOUT', {
      targetUserId: userId,
      details: seconds === null ? null : `${seconds}`,
    });
    await this.chat.postAlert(
      streamId,
      seconds === null
        ? `${target.username} was banned from the chat`
        : `${target.username} was timed out for ${seconds} seconds`,
    );
    return action;
  }

  /** The streamer of the stream or an admin; returns the streamer's id. */
  private async assertModerator(user: AuthUser, streamId: string): Promise<string> {
    const stream = await this.streams.getById(streamId);
    if (stream.streamerId !== user.id && user.role !== Role.ADMIN) {
      throw new ForbiddenError("Only the stream's streamer or an admin can moderate its chat");
    }
    return stream.streamerId;
  }

  private record(
    moderator: AuthUser,
    streamId: string,
    action: string,
    extra: { targetUserId?: string | null; messageId?: string | null; details?: string | null },
  ): Promise<ChatModerationActionModel> {
    return this.moderation.recordAction({
      streamId,
      moderatorId: moderator.id,
      action,
      targetUserId: extra.targetUserId ?? null,
      messageId: extra.messageId ?? null,
      details: extra.details ?? null,
      at: this.clock.now(),
    });
  }
}

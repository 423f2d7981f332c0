import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  RATE_LIMITER,
  RateLimitedError,
  type AuthUser,
  type EventBus,
  type RateLimiter,
} from '@finserve/api/core';
import { StreamLifecycle } from '@finserve/api/streams';
import { checkChatBody, findBlockedTerm, MessageType, Role, StreamStatus } from '@finserve/shared';

import type { ChatMessageRecord, ChatModerationActionModel, ChatSettingsModel } from './chat.model';

export const chatChannel = (streamId: string): string => `chat.${streamId}`;

interface MessageRow {
  id: string;
  stream_id: string;
  author_id: string | null;
  type: MessageType;
  body: string;
  tip_id: string | null;
  deleted_at: Date | null;
  created_at: Date;
}

const MESSAGE_COLUMNS = 'id, stream_id, author_id, type, body, tip_id, deleted_at, created_at';

function toRecord(row: MessageRow): ChatMessageRecord {
  return {
    id: String(row.id),
    streamId: row.stream_id,
    authorId: row.author_id,
    type: row.type,
    // A deleted message keeps its place in history, never its words.
    body: row.deleted_at ? '' : row.body,
    tipId: row.tip_id,
    deleted: row.deleted_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

/** Advisory-lock key of a stream's chat: message ids are taken under it, so they follow commit order. */
const lockKey = (streamId: string): string => `chat:${streamId}`;

@Injectable()
export class ChatService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
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
      const { stream, moderator } = await this.assertMayPost(
        manager,
        user,
        streamId,
        checked.body,
        now,
      );
      if (stream.status !== StreamStatus.LIVE)
        throw new ConflictError('Chat is open only while the stream is LIVE');
      const slow = stream.slow_mode_seconds ?? 0;
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
      return this.insert(manager, streamId, user.id, checked.type, checked.body, now);
    });
    await this.publish(record);
    return record;
  }

  /**
   * The chat rules a user's text must pass to appear in a stream's chat, in the caller's
   * transaction (the stream's chat lock is taken and held to its commit, so a ban or timeout is
   * either before this check or after the text was accepted): not banned, not timed out, no
   * blocked term (the streamer and admins are exempt from blocked terms).
   */
  async assertMayPost(
    manager: EntityManager,
    user: AuthUser,
    streamId: string,
    text: string,
    now: Date = this.clock.now(),
  ): Promise<{ stream: Awaited<ReturnType<ChatService['lockStream']>>; moderator: boolean }> {
    const stream = await this.lockStream(manager, streamId, user.id, now);
    const moderator = stream.streamer_id === user.id || user.role === Role.ADMIN;
    if (stream.ban_until !== undefined) {
      throw stream.ban_until === null
        ? new ForbiddenError('You are banned from this chat', { reason: 'BANNED' })
        : new ForbiddenError('You are timed out in this chat', {
            reason: 'TIMED_OUT',
            retryAfterSeconds: Math.max(
              1,
              Math.ceil((stream.ban_until.getTime() - now.getTime()) / 1000),
            ),
          });
    }
    if (!moderator && findBlockedTerm(text, stream.blocked_terms ?? [])) {
      throw new BadUserInputError('Your message contains a term blocked in this chat');
    }
    return { stream, moderator };
  }

  /** System message (stream started/ended, moderation); posted whatever the stream's state. */
  async postAlert(streamId: string, body: string): Promise<ChatMessageRecord> {
    const record = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        lockKey(streamId),
      ]);
      return this.insert(manager, streamId, null, MessageType.ALERT, body, this.clock.now());
    });
    await this.publish(record);
    return record;
  }

  /** The TIP message announcing a tip (posted by the tips module after the money moved). */
  async postTip(
    streamId: string,
    fromUserId: string,
    tipId: string,
    body: string,
  ): Promise<ChatMessageRecord> {
    // One statement: the stream's chat lock is taken before the id is drawn and held to its end.
    const [row] = await this.dataSource.query<MessageRow[]>(
      `WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended($6, 0)))
       INSERT INTO chat_messages (stream_id, author_id, type, body, tip_id, created_at)
       SELECT $1, $2, 'TIP', $3, $4, $5 FROM locked RETURNING ${MESSAGE_COLUMNS}`,
      [streamId, fromUserId, body, tipId, this.clock.now(), lockKey(streamId)],
    );
    const record = toRecord(row);
    await this.publish(record);
    return record;
  }

  /** Without `after`: the newest `limit`. With `after`: up to `limit` that follow it. Oldest first. */
  async assertStreamExists(streamId: string): Promise<void> {
    const [exists] = await this.dataSource.query<unknown[]>('SELECT 1 FROM streams WHERE id = $1', [
      streamId,
    ]);
    if (!exists) throw new NotFoundError('Stream');
  }

  async history(
    streamId: string,
    after: string | null | undefined,
    limit: number,
  ): Promise<ChatMessageRecord[]> {
    await this.assertStreamExists(streamId);
    const rows = after
      ? await this.dataSource.query<MessageRow[]>(
          `SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE stream_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
          [streamId, after, limit],
        )
      : await this.dataSource.query<MessageRow[]>(
          `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE stream_id = $1 ORDER BY id DESC LIMIT $2) newest
           ORDER BY id`,
          [streamId, limit],
        );
    return rows.map(toRecord);
  }

  async findMessage(messageId: string): Promise<ChatMessageRecord | null> {
    const [row] = await this.dataSource.query<MessageRow[]>(
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE id = $1`,
      [messageId],
    );
    return row ? toRecord(row) : null;
  }

  // ---- moderation (the stream's streamer or an admin) ----

  async deleteMessage(moderator: AuthUser, messageId: string): Promise<ChatMessageRecord> {
    const message = await this.findMessage(messageId);
    if (!message) throw new NotFoundError('Chat message');
    await this.assertModerator(moderator, message.streamId);
    const [rows] = await this.dataSource.query<[MessageRow[], number]>(
      `UPDATE chat_messages SET deleted_at = $2, deleted_by = $3
        WHERE id = $1 AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
      [messageId, this.clock.now(), moderator.id],
    );
    const deleted = rows[0] ? toRecord(rows[0]) : { ...message, body: '', deleted: true };
    if (rows[0]) {
      await this.publish(deleted);
      await this.record(moderator, message.streamId, 'DELETE_MESSAGE', {
        targetUserId: message.authorId,
        messageId,
      });
      await this.postAlert(message.streamId, 'A message was removed by a moderator');
    }
    return deleted;
  }

  async timeout(
    moderator: AuthUser,
    streamId: string,
    userId: string,
    seconds: number,
  ): Promise<ChatModerationActionModel> {
    return this.restrict(moderator, streamId, userId, seconds);
  }

  async ban(
    moderator: AuthUser,
    streamId: string,
    userId: string,
  ): Promise<ChatModerationActionModel> {
    return this.restrict(moderator, streamId, userId, null);
  }

  async unban(
    moderator: AuthUser,
    streamId: string,
    userId: string,
  ): Promise<ChatModerationActionModel> {
    await this.assertModerator(moderator, streamId);
    const username = await this.usernameOf(userId);
    await this.dataSource.query('DELETE FROM chat_bans WHERE stream_id = $1 AND user_id = $2', [
      streamId,
      userId,
    ]);
    const action = await this.record(moderator, streamId, 'UNBAN', { targetUserId: userId });
    await this.postAlert(streamId, `${username} may chat again`);
    return action;
  }

  async setSlowMode(
    moderator: AuthUser,
    streamId: string,
    seconds: number,
  ): Promise<ChatSettingsModel> {
    await this.assertModerator(moderator, streamId);
    const settings = await this.saveSettings(streamId, { slowModeSeconds: seconds });
    await this.record(moderator, streamId, 'SLOW_MODE', { details: `${seconds}` });
    await this.postAlert(
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
    const settings = await this.saveSettings(streamId, { blockedTerms: unique });
    await this.record(moderator, streamId, 'BLOCKED_TERMS', {
      details: `${unique.length} term(s)`,
    });
    await this.postAlert(streamId, 'The chat filter was updated');
    return settings;
  }

  async settings(moderator: AuthUser, streamId: string): Promise<ChatSettingsModel> {
    await this.assertModerator(moderator, streamId);
    const [row] = await this.dataSource.query<
      { slow_mode_seconds: number; blocked_terms: string[] }[]
    >('SELECT slow_mode_seconds, blocked_terms FROM chat_settings WHERE stream_id = $1', [
      streamId,
    ]);
    return {
      streamId,
      slowModeSeconds: row?.slow_mode_seconds ?? 0,
      blockedTerms: row?.blocked_terms ?? [],
    };
  }

  async moderationLog(
    moderator: AuthUser,
    streamId: string,
    limit: number,
  ): Promise<ChatModerationActionModel[]> {
    await this.assertModerator(moderator, streamId);
    const rows = await this.dataSource.query<ModerationRow[]>(
      `SELECT * FROM chat_moderation_actions WHERE stream_id = $1 ORDER BY id DESC LIMIT $2`,
      [streamId, limit],
    );
    return rows.map(toAction);
  }

  // ---- internals ----

  /**
   * Takes the stream's chat lock (held to commit) and reads, in the same statement, what the
   * checks need. FOR SHARE keeps the stream from ending while the message is written.
   */
  private async lockStream(manager: EntityManager, streamId: string, userId: string, now: Date) {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      lockKey(streamId),
    ]);
    const [stream] = await manager.query<
      {
        status: StreamStatus;
        streamer_id: string;
        slow_mode_seconds: number | null;
        blocked_terms: string[] | null;
        banned: boolean;
        expires_at: Date | null;
      }[]
    >(
      `SELECT s.status, s.streamer_id, cs.slow_mode_seconds, cs.blocked_terms,
              (b.user_id IS NOT NULL) AS banned, b.expires_at
         FROM streams s
         LEFT JOIN chat_settings cs ON cs.stream_id = s.id
         LEFT JOIN chat_bans b ON b.stream_id = s.id AND b.user_id = $2
                              AND (b.expires_at IS NULL OR b.expires_at > $3)
        WHERE s.id = $1
        FOR SHARE OF s`,
      [streamId, userId, now],
    );
    if (!stream) throw new NotFoundError('Stream');
    return { ...stream, ban_until: stream.banned ? stream.expires_at : undefined };
  }

  private async insert(
    manager: EntityManager,
    streamId: string,
    authorId: string | null,
    type: MessageType,
    body: string,
    at: Date,
  ): Promise<ChatMessageRecord> {
    const [row] = await manager.query<MessageRow[]>(
      `INSERT INTO chat_messages (stream_id, author_id, type, body, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${MESSAGE_COLUMNS}`,
      [streamId, authorId, type, body, at],
    );
    return toRecord(row);
  }

  private async publish(record: ChatMessageRecord): Promise<void> {
    await this.bus.publish(chatChannel(record.streamId), record);
  }

  private async restrict(
    moderator: AuthUser,
    streamId: string,
    userId: string,
    seconds: number | null,
  ): Promise<ChatModerationActionModel> {
    const streamerId = await this.assertModerator(moderator, streamId);
    const [target] = await this.dataSource.query<{ username: string; role: Role }[]>(
      'SELECT username, role FROM users WHERE id = $1',
      [userId],
    );
    if (!target) throw new NotFoundError('User');
    if (userId === streamerId || target.role === Role.ADMIN) {
      throw new BadUserInputError('The streamer and admins cannot be timed out or banned');
    }
    const now = this.clock.now();
    const expiresAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
    // Under the stream's chat lock: a text (message or tip) checked before is accepted, one
    // checked after sees the ban.
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        lockKey(streamId),
      ]);
      await manager.query(
        `INSERT INTO chat_bans (stream_id, user_id, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id, user_id) DO UPDATE
         SET expires_at = EXCLUDED.expires_at, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
        [streamId, userId, expiresAt, moderator.id, now],
      );
    });
    const action = await this.record(moderator, streamId, seconds === null ? 'BAN' : 'TIMEOUT', {
      targetUserId: userId,
      details: seconds === null ? null : `${seconds}`,
    });
    await this.postAlert(
      streamId,
      seconds === null
        ? `${target.username} was banned from the chat`
        : `${target.username} was timed out for ${seconds} seconds`,
    );
    return action;
  }

  /** The streamer of the stream or an admin; returns the streamer's id. */
  private async assertModerator(user: AuthUser, streamId: string): Promise<string> {
    const [stream] = await this.dataSource.query<{ streamer_id: string }[]>(
      'SELECT streamer_id FROM streams WHERE id = $1',
      [streamId],
    );
    if (!stream) throw new NotFoundError('Stream');
    if (stream.streamer_id !== user.id && user.role !== Role.ADMIN) {
      throw new ForbiddenError("Only the stream's streamer or an admin can moderate its chat");
    }
    return stream.streamer_id;
  }

  private async usernameOf(userId: string): Promise<string> {
    const [user] = await this.dataSource.query<{ username: string }[]>(
      'SELECT username FROM users WHERE id = $1',
      [userId],
    );
    if (!user) throw new NotFoundError('User');
    return user.username;
  }

  private async saveSettings(
    streamId: string,
    changes: { slowModeSeconds?: number; blockedTerms?: string[] },
  ): Promise<ChatSettingsModel> {
    const [row] = await this.dataSource.query<
      { slow_mode_seconds: number; blocked_terms: string[] }[]
    >(
      `INSERT INTO chat_settings (stream_id, slow_mode_seconds, blocked_terms, updated_at)
       VALUES ($1, COALESCE($2, 0), COALESCE($3::text[], '{}'), now())
       ON CONFLICT (stream_id) DO UPDATE SET
         slow_mode_seconds = COALESCE($2, chat_settings.slow_mode_seconds),
         blocked_terms = COALESCE($3::text[], chat_settings.blocked_terms),
         updated_at = now()
       RETURNING slow_mode_seconds, blocked_terms`,
      [streamId, changes.slowModeSeconds ?? null, changes.blockedTerms ?? null],
    );
    return { streamId, slowModeSeconds: row.slow_mode_seconds, blockedTerms: row.blocked_terms };
  }

  private async record(
    moderator: AuthUser,
    streamId: string,
    action: string,
    extra: { targetUserId?: string | null; messageId?: string | null; details?: string | null },
  ): Promise<ChatModerationActionModel> {
    const [row] = await this.dataSource.query<ModerationRow[]>(
      `INSERT INTO chat_moderation_actions (stream_id, moderator_id, action, target_user_id, message_id, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        streamId,
        moderator.id,
        action,
        extra.targetUserId ?? null,
        extra.messageId ?? null,
        extra.details ?? null,
        this.clock.now(),
      ],
    );
    return toAction(row);
  }
}

interface ModerationRow {
  id: string;
  stream_id: string;
  moderator_id: string;
  action: string;
  target_user_id: string | null;
  message_id: string | null;
  details: string | null;
  created_at: Date;
}

function toAction(row: ModerationRow): ChatModerationActionModel {
  return {
    id: String(row.id),
    streamId: row.stream_id,
    moderatorId: row.moderator_id,
    action: row.action,
    targetUserId: row.target_user_id,
    messageId: row.message_id === null ? null : String(row.message_id),
    details: row.details,
    createdAt: row.created_at,
  };
}

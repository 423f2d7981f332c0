import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { ChatModerationActionModel, ChatSettingsModel } from './chat.model';

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

/** What the chat rules of one stream say about one user now. */
export interface ChatRules {
  slowModeSeconds: number;
  blockedTerms: string[];
  /** undefined: not banned; null: banned for good; a date: timed out until then. */
  banUntil: Date | null | undefined;
}

/**
 * The tables of chat moderation: `chat_settings` (slow mode, blocked terms), `chat_bans` (bans and
 * timeouts) and `chat_moderation_actions` (the log). The only place their SQL lives.
 */
@Injectable()
export class ChatModerationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stream's settings and the user's ban or timeout in force at `now`, in one statement. */
  async rulesFor(
    manager: EntityManager,
    streamId: string,
    userId: string,
    now: Date,
  ): Promise<ChatRules> {
    const [row] = await manager.query<
      {
        slow_mode_seconds: number | null;
        blocked_terms: string[] | null;
        banned: boolean;
        expires_at: Date | null;
      }[]
    >(
      `SELECT cs.slow_mode_seconds, cs.blocked_terms, (b.user_id IS NOT NULL) AS banned, b.expires_at
         FROM (SELECT $1::uuid AS stream_id) s
         LEFT JOIN chat_settings cs ON cs.stream_id = s.stream_id
         LEFT JOIN chat_bans b ON b.stream_id = s.stream_id AND b.user_id = $2
                              AND (b.expires_at IS NULL OR b.expires_at > $3)`,
      [streamId, userId, now],
    );
    return {
      slowModeSeconds: row?.slow_mode_seconds ?? 0,
      blockedTerms: row?.blocked_terms ?? [],
      banUntil: row?.banned ? row.expires_at : undefined,
    };
  }

  async settings(streamId: string): Promise<ChatSettingsModel> {
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

  /** Changes the given settings (the others keep their value, or their default). */
  async saveSettings(
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

  /** A ban (`expiresAt` null) or timeout, replacing any earlier one, in the caller's transaction. */
  async saveBan(
    manager: EntityManager,
    ban: { streamId: string; userId: string; expiresAt: Date | null; by: string; at: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO chat_bans (stream_id, user_id, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id, user_id) DO UPDATE
         SET expires_at = EXCLUDED.expires_at, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
      [ban.streamId, ban.userId, ban.expiresAt, ban.by, ban.at],
    );
  }

  async deleteBan(streamId: string, userId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM chat_bans WHERE stream_id = $1 AND user_id = $2', [
      streamId,
      userId,
    ]);
  }

  async recordAction(action: {
    streamId: string;
    moderatorId: string;
    action: string;
    targetUserId: string | null;
    messageId: string | null;
    details: string | null;
    at: Date;
  }): Promise<ChatModerationActionModel> {
    const [row] = await this.dataSource.query<ModerationRow[]>(
      `INSERT INTO chat_moderation_actions (stream_id, moderator_id, action, target_user_id, message_id, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        action.streamId,
        action.moderatorId,
        action.action,
        action.targetUserId,
        action.messageId,
        action.details,
        action.at,
      ],
    );
    return toAction(row);
  }

  /** The newest `limit` actions of a stream's moderation log, newest first. */
  async actions(streamId: string, limit: number): Promise<ChatModerationActionModel[]> {
    const rows = await this.dataSource.query<ModerationRow[]>(
      `SELECT * FROM chat_moderation_actions WHERE stream_id = $1 ORDER BY id DESC LIMIT $2`,
      [streamId, limit],
    );
    return rows.map(toAction);
  }
}

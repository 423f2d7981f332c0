import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { MessageType } from '@finserve/shared';

import type { ChatMessageRecord } from './chat.model';

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

/** The `chat_messages` table: the only place its SQL lives. */
@Injectable()
export class ChatMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes the stream's chat lock in the caller's transaction, held to its commit: messages are
   * numbered in commit order, and a ban written under the same lock is before or after a text.
   */
  async lockChat(manager: EntityManager, streamId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      lockKey(streamId),
    ]);
  }

  /** A message, in the caller's transaction (which holds the stream's chat lock). */
  async insert(
    manager: EntityManager,
    message: {
      streamId: string;
      authorId: string | null;
      type: MessageType;
      body: string;
      at: Date;
    },
  ): Promise<ChatMessageRecord> {
    const [row] = await manager.query<MessageRow[]>(
      `INSERT INTO chat_messages (stream_id, author_id, type, body, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${MESSAGE_COLUMNS}`,
      [message.streamId, message.authorId, message.type, message.body, message.at],
    );
    return toRecord(row);
  }

  /**
   * The TIP messages of a batch of tips into one stream, in the tips' own transaction (so a tip
   * and its chat line commit together), under the stream's chat lock, taken here: one statement
   * for the batch. One record per tip, in the order given.
   */
  async insertTips(
    manager: EntityManager,
    streamId: string,
    tips: readonly { fromUserId: string; tipId: string; body: string; at: Date }[],
  ): Promise<ChatMessageRecord[]> {
    if (!tips.length) return [];
    await this.lockChat(manager, streamId);
    const rows = await manager.query<MessageRow[]>(
      `INSERT INTO chat_messages (stream_id, author_id, type, body, tip_id, created_at)
       SELECT $1, t.author_id, 'TIP', t.body, t.tip_id, t.created_at
         FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[])
              WITH ORDINALITY AS t (author_id, body, tip_id, created_at, n)
        ORDER BY t.n
       RETURNING ${MESSAGE_COLUMNS}`,
      [
        streamId,
        tips.map((tip) => tip.fromUserId),
        tips.map((tip) => tip.body),
        tips.map((tip) => tip.tipId),
        tips.map((tip) => tip.at),
      ],
    );
    const byTip = new Map(rows.map((row) => [row.tip_id, toRecord(row)]));
    return tips.map((tip) => {
      const record = byTip.get(tip.tipId);
      if (!record) throw new Error(`no chat message written for tip ${tip.tipId}`);
      return record;
    });
  }

  /** Without `after`: the newest `limit`. With `after`: up to `limit` that follow it. Oldest first. */
  async page(
    streamId: string,
    after: string | null | undefined,
    limit: number,
  ): Promise<ChatMessageRecord[]> {
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

  /** Messages not removed, sent in [from, to) (either end open), after `after`, in id order. */
  async range(
    streamId: string,
    range: { from: Date | null; to: Date | null; after: string | null },
    limit: number,
  ): Promise<ChatMessageRecord[]> {
    const rows = await this.dataSource.query<MessageRow[]>(
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages
        WHERE stream_id = $1 AND deleted_at IS NULL
          AND ($2::timestamptz IS NULL OR created_at >= $2)
          AND ($3::timestamptz IS NULL OR created_at < $3)
          AND ($4::bigint IS NULL OR id > $4)
        ORDER BY id LIMIT $5`,
      [streamId, range.from, range.to, range.after, limit],
    );
    return rows.map(toRecord);
  }

  async findById(messageId: string): Promise<ChatMessageRecord | null> {
    const [row] = await this.dataSource.query<MessageRow[]>(
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE id = $1`,
      [messageId],
    );
    return row ? toRecord(row) : null;
  }

  /** Marks a message removed; null when it already was. */
  async markDeleted(messageId: string, by: string, at: Date): Promise<ChatMessageRecord | null> {
    const [rows] = await this.dataSource.query<[MessageRow[], number]>(
      `UPDATE chat_messages SET deleted_at = $2, deleted_by = $3
        WHERE id = $1 AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
      [messageId, at, by],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Messages sent by users (TEXT and EMOJI), by stream (streams without any are absent). */
  async countsByStream(streamIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ stream_id: string; count: number }[]>(
      `SELECT stream_id, count(*)::int AS count FROM chat_messages
        WHERE stream_id = ANY($1::uuid[]) AND type IN ('TEXT', 'EMOJI') GROUP BY stream_id`,
      [streamIds],
    );
    return new Map(rows.map((row) => [row.stream_id, row.count]));
  }
}

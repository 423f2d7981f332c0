import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The `stream_keys` table (one WHIP key per user, kept as a SHA-256 hash): its only SQL. */
@Injectable()
export class StreamKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Replaces the user's key hash. */
  async save(userId: string, keyHash: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO stream_keys (user_id, key_hash) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET key_hash = EXCLUDED.key_hash, created_at = now()`,
      [userId, keyHash],
    );
  }

  /** The user whose key has this hash, or null. */
  async userOf(keyHash: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ user_id: string }[]>(
      `SELECT user_id FROM stream_keys WHERE key_hash = $1`,
      [keyHash],
    );
    return row?.user_id ?? null;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The `follows` table: the only place its SQL lives. */
@Injectable()
export class FollowsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds the follow; true when it is new (following twice changes nothing). */
  async insert(followerId: string, followeeId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [followerId, followeeId],
    );
    return rows.length > 0;
  }

  /** Removes the follow if there is one. */
  async delete(followerId: string, followeeId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
      followerId,
      followeeId,
    ]);
  }

  /** Whether `followerId` follows `followeeId`. */
  async exists(followerId: string, followeeId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2',
      [followerId, followeeId],
    );
    return rows.length > 0;
  }

  /** Ids of the users `followerId` follows. */
  async followeeIds(followerId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ followee_id: string }[]>(
      'SELECT followee_id FROM follows WHERE follower_id = $1',
      [followerId],
    );
    return rows.map((row) => row.followee_id);
  }

  /** Follower count per user that has followers (users nobody follows are absent). */
  async followerCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ followee_id: string; count: number }[]>(
      `SELECT followee_id, count(*)::int AS count FROM follows
        WHERE followee_id = ANY($1::uuid[]) GROUP BY followee_id`,
      [userIds],
    );
    return new Map(rows.map((row) => [row.followee_id, row.count]));
  }

  /** How many follows of `followeeId` were created in [from, to) and still exist. */
  async countCreatedBetween(followeeId: string, from: Date, to: Date): Promise<number> {
    const [row] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM follows
        WHERE followee_id = $1 AND created_at >= $2 AND created_at < $3`,
      [followeeId, from, to],
    );
    return row?.count ?? 0;
  }

  /** The follower id closing every full range of `size` followers, in id order. */
  async followerRangeBounds(followeeId: string, size: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ follower_id: string }[]>(
      `SELECT follower_id FROM (
         SELECT follower_id, row_number() OVER (ORDER BY follower_id) AS n
           FROM follows WHERE followee_id = $1
       ) ranked WHERE n % $2 = 0 ORDER BY follower_id`,
      [followeeId, size],
    );
    return rows.map((row) => row.follower_id);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { tryTransactionLock } from '@finserve/api/database';

/** Viewing figures of one stream, from its sessions. */
export interface SessionAggregate {
  uniqueViewers: number;
  sessions: number;
  totalWatchSeconds: number;
}

/** A sample of a stream's viewer count. */
export interface ViewerSample {
  at: Date;
  viewers: number;
}

/** A session's watch time, open sessions counted up to `$now`. */
const WATCH_SECONDS = (alias: string, now: string): string =>
  `COALESCE(${alias}watch_duration_seconds,
     floor(extract(epoch FROM GREATEST(${now}::timestamptz, ${alias}joined_at) - ${alias}joined_at))::int)`;

/**
 * The tables of viewing: `stream_viewers` (one row per distinct viewer's session),
 * `stream_viewer_samples` (the viewer count over time) and `api_instances` (the instances whose
 * open sessions are theirs to close). The only place their SQL lives.
 */
@Injectable()
export class ViewersRepository {
  constructor(private readonly dataSource: DataSource) {}

  // ---- sessions ----

  async openSession(session: {
    streamId: string;
    userId: string | null;
    viewerKey: string;
    instanceId: string;
    at: Date;
  }): Promise<string | null> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO stream_viewers (stream_id, user_id, viewer_key, instance_id, joined_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [session.streamId, session.userId, session.viewerKey, session.instanceId, session.at],
    );
    return rows[0]?.id ?? null;
  }

  async closeSession(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE stream_viewers
          SET left_at = GREATEST(joined_at, $2),
              watch_duration_seconds = floor(extract(epoch FROM GREATEST(joined_at, $2) - joined_at))::int
        WHERE id = $1 AND left_at IS NULL`,
      [id, at],
    );
  }

  /** Ends every open session of an instance at `at`. */
  async closeSessionsOf(instanceId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE stream_viewers
          SET left_at = GREATEST(joined_at, $2),
              watch_duration_seconds = floor(extract(epoch FROM GREATEST(joined_at, $2) - joined_at))::int
        WHERE instance_id = $1 AND left_at IS NULL`,
      [instanceId, at],
    );
  }

  /** Distinct viewers with an open session on the stream, all instances together. */
  async openViewers(streamId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ viewers: number }[]>(
      `SELECT count(DISTINCT viewer_key)::int AS viewers FROM stream_viewers
        WHERE stream_id = $1 AND left_at IS NULL`,
      [streamId],
    );
    return row?.viewers ?? 0;
  }

  // ---- samples ----

  /**
   * Under a transaction-scoped advisory lock that one instance at a time gets (the others return
   * false at once): `counts()` are stored at `at` where they changed since the stream's last
   * sample.
   */
  async sampleOnce(
    lockKey: number,
    at: Date,
    counts: () => Promise<{ streamId: string; viewers: number }[]>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await tryTransactionLock(manager, lockKey))) return false;
      const live = await counts();
      if (!live.length) return true;
      await manager.query(
        `INSERT INTO stream_viewer_samples (stream_id, at, viewers)
         SELECT c.id, $3, c.viewers
           FROM unnest($1::uuid[], $2::int[]) AS c(id, viewers)
          WHERE c.viewers IS DISTINCT FROM (
                  SELECT x.viewers FROM stream_viewer_samples x
                   WHERE x.stream_id = c.id ORDER BY x.at DESC LIMIT 1)
         ON CONFLICT (stream_id, at) DO NOTHING`,
        [live.map((c) => c.streamId), live.map((c) => c.viewers), at],
      );
      return true;
    });
  }

  // ---- instances ----

  async registerInstance(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO api_instances (id, started_at, heartbeat_at) VALUES ($1, $2, $2)',
      [id, at],
    );
  }

  async heartbeat(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO api_instances (id, started_at, heartbeat_at) VALUES ($1, $2, $2)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at`,
      [id, at],
    );
  }

  async removeInstance(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM api_instances WHERE id = $1', [id]);
  }

  /**
   * Removes the instances (other than `self`) silent since `cutoff` and closes their open sessions
   * at their last heartbeat; returns the streams of the closed sessions (one per session).
   */
  async closeDeadInstances(cutoff: Date, self: string): Promise<string[]> {
    const [rows] = await this.dataSource.query<[{ stream_id: string }[], number]>(
      `WITH dead AS (
         DELETE FROM api_instances WHERE heartbeat_at < $1 AND id <> $2 RETURNING id, heartbeat_at
       )
       UPDATE stream_viewers v
          SET left_at = GREATEST(v.joined_at, d.heartbeat_at),
              watch_duration_seconds =
                floor(extract(epoch FROM GREATEST(v.joined_at, d.heartbeat_at) - v.joined_at))::int
         FROM dead d
        WHERE v.instance_id = d.id AND v.left_at IS NULL
       RETURNING v.stream_id`,
      [cutoff, self],
    );
    return rows.map((row) => row.stream_id);
  }

  // ---- figures (the stats lib reads them through ViewersService) ----

  /** Per stream: distinct viewers, sessions and watch time (open sessions up to `now`). */
  async aggregatesByStream(
    streamIds: readonly string[],
    now: Date,
  ): Promise<Map<string, SessionAggregate>> {
    const rows = await this.dataSource.query<
      { stream_id: string; unique_viewers: number; sessions: number; total_watch_seconds: string }[]
    >(
      `SELECT stream_id,
              count(DISTINCT viewer_key)::int AS unique_viewers,
              count(*)::int AS sessions,
              COALESCE(sum(${WATCH_SECONDS('', '$2')}), 0) AS total_watch_seconds
         FROM stream_viewers
        WHERE stream_id = ANY($1::uuid[])
        GROUP BY stream_id`,
      [streamIds, now],
    );
    return new Map(
      rows.map((row) => [
        row.stream_id,
        {
          uniqueViewers: row.unique_viewers,
          sessions: row.sessions,
          totalWatchSeconds: Number(row.total_watch_seconds),
        },
      ]),
    );
  }

  /** Per stream, its viewer-count samples in time order. */
  async samplesByStream(streamIds: readonly string[]): Promise<Map<string, ViewerSample[]>> {
    const rows = await this.dataSource.query<{ stream_id: string; at: Date; viewers: number }[]>(
      `SELECT stream_id, at, viewers FROM stream_viewer_samples
        WHERE stream_id = ANY($1::uuid[]) ORDER BY stream_id, at`,
      [streamIds],
    );
    const byStream = new Map<string, ViewerSample[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id) ?? [];
      list.push({ at: row.at, viewers: row.viewers });
      byStream.set(row.stream_id, list);
    }
    return byStream;
  }

  /** Watch time of every session on the platform (open ones up to `now`), in seconds. */
  async totalWatchSeconds(now: Date): Promise<number> {
    const [row] = await this.dataSource.query<{ seconds: string }[]>(
      `SELECT COALESCE(sum(${WATCH_SECONDS('', '$1')}), 0) AS seconds FROM stream_viewers`,
      [now],
    );
    return Number(row?.seconds ?? 0);
  }
}

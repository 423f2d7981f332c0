import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { lockForTransaction } from '@finserve/api/database';

/** An app as its owner sees it. */
export interface AppRecord {
  id: string;
  clientId: string;
  name: string;
  redirectUris: string[];
  createdAt: Date;
}

interface AppRow {
  id: string;
  client_id: string;
  name: string;
  redirect_uris: string[];
  created_at: Date;
}

const COLUMNS = 'id, client_id, name, redirect_uris, created_at';

const toRecord = (row: AppRow): AppRecord => ({
  id: row.id,
  clientId: row.client_id,
  name: row.name,
  redirectUris: row.redirect_uris,
  createdAt: row.created_at,
});

/** The `oauth_apps` table (client secrets as SHA-256 only): its only SQL. */
@Injectable()
export class OAuthAppsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts an app unless the owner has `max` already; null then. One owner's concurrent
   * creations queue on a lock of their own, so the cap holds.
   */
  async insertUnderCap(
    app: {
      ownerId: string;
      clientId: string;
      secretHash: Buffer;
      name: string;
      redirectUris: readonly string[];
    },
    max: number,
  ): Promise<AppRecord | null> {
    return this.dataSource.transaction(async (tx) => {
      await lockForTransaction(tx, `oauth-apps:${app.ownerId}`);
      const [{ count }] = await tx.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM oauth_apps WHERE owner_id = $1`,
        [app.ownerId],
      );
      if (count >= max) return null;
      const [created] = await tx.query<AppRow[]>(
        `INSERT INTO oauth_apps (owner_id, client_id, client_secret_hash, name, redirect_uris)
         VALUES ($1, $2, $3, $4, $5::text[])
         RETURNING ${COLUMNS}`,
        [app.ownerId, app.clientId, app.secretHash, app.name, app.redirectUris],
      );
      return toRecord(created);
    });
  }

  /** The owner's apps, newest first. */
  async listOf(ownerId: string): Promise<AppRecord[]> {
    const rows = await this.dataSource.query<AppRow[]>(
      `SELECT ${COLUMNS} FROM oauth_apps WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`,
      [ownerId],
    );
    return rows.map(toRecord);
  }

  /** Deletes the owner's app `id`; its id and client id, or null when there is none. */
  async delete(ownerId: string, id: string): Promise<{ id: string; clientId: string } | null> {
    const rows = await this.dataSource.query<{ id: string; client_id: string }[]>(
      `WITH gone AS (DELETE FROM oauth_apps WHERE id = $1 AND owner_id = $2
                     RETURNING id, client_id)
       SELECT id, client_id FROM gone`,
      [id, ownerId],
    );
    return rows[0] ? { id: rows[0].id, clientId: rows[0].client_id } : null;
  }

  /** The app of a client id with its secret's hash (hex), or null. */
  async byClientId(clientId: string): Promise<(AppRecord & { secretHash: string }) | null> {
    const rows = await this.dataSource.query<(AppRow & { secret_hash: string })[]>(
      `SELECT ${COLUMNS}, encode(client_secret_hash, 'hex') AS secret_hash
         FROM oauth_apps WHERE client_id = $1`,
      [clientId],
    );
    const row = rows[0];
    return row ? { ...toRecord(row), secretHash: row.secret_hash } : null;
  }

  /** App ids by client id, for the clients that exist. */
  async appIds(clientIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<{ id: string; client_id: string }[]>(
      `SELECT id, client_id FROM oauth_apps WHERE client_id = ANY($1::text[])`,
      [clientIds],
    );
    return new Map(rows.map((row) => [row.client_id, row.id]));
  }
}

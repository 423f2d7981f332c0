import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { WebhookDeliveryRecord, WebhookEvent, WebhookRecord } from './webhooks.model';

interface WebhookRow {
  id: string;
  owner_id: string;
  url: string;
  events: WebhookEvent[];
  broadcaster_id: string | null;
  active: boolean;
  created_at: Date;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event: WebhookEvent;
  attempt: number;
  status_code: number | null;
  ok: boolean;
  created_at: Date;
}

const WEBHOOK_COLUMNS = 'id, owner_id, url, events, broadcaster_id, active, created_at';
const DELIVERY_COLUMNS = 'id, webhook_id, event_id, event, attempt, status_code, ok, created_at';

const toWebhook = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  url: row.url,
  events: row.events,
  broadcasterId: row.broadcaster_id,
  active: row.active,
  createdAt: row.created_at,
});

const toDelivery = (row: DeliveryRow): WebhookDeliveryRecord => ({
  id: String(row.id),
  webhookId: row.webhook_id,
  eventId: row.event_id,
  event: row.event,
  attempt: row.attempt,
  statusCode: row.status_code,
  ok: row.ok,
  createdAt: row.created_at,
});

/** What a delivery needs of its webhook. */
export interface DeliveryTarget {
  id: string;
  ownerId: string;
  url: string;
  active: boolean;
  sealedSecret: string;
}

/** The `webhooks` and `webhook_deliveries` tables: the only place their SQL lives. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** How many webhooks the owner has, in the caller's transaction. */
  async countByOwner(manager: EntityManager, ownerId: string): Promise<number> {
    const [{ count }] = await manager.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM webhooks WHERE owner_id = $1',
      [ownerId],
    );
    return count;
  }

  /** Inserts a webhook in the caller's transaction; the stored webhook. */
  async insert(
    manager: EntityManager,
    webhook: {
      ownerId: string;
      url: string;
      events: WebhookEvent[];
      broadcasterId: string | null;
      sealedSecret: string;
    },
  ): Promise<WebhookRecord> {
    const [row] = await manager.query<WebhookRow[]>(
      `INSERT INTO webhooks (owner_id, url, events, broadcaster_id, secret_sealed)
       VALUES ($1, $2, $3::text[], $4, $5) RETURNING ${WEBHOOK_COLUMNS}`,
      [webhook.ownerId, webhook.url, webhook.events, webhook.broadcasterId, webhook.sealedSecret],
    );
    return toWebhook(row);
  }

  /** The owner's webhooks, newest first. */
  async listByOwner(ownerId: string): Promise<WebhookRecord[]> {
    const rows = await this.dataSource.query<WebhookRow[]>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE owner_id = $1 ORDER BY created_at DESC, id`,
      [ownerId],
    );
    return rows.map(toWebhook);
  }

  /** The webhook, or null. */
  async findById(id: string): Promise<WebhookRecord | null> {
    const [row] = await this.dataSource.query<WebhookRow[]>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`,
      [id],
    );
    return row ? toWebhook(row) : null;
  }

  /** Deletes the webhook (its deliveries go with it); false when there was none. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'DELETE FROM webhooks WHERE id = $1 RETURNING 1',
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Ids of the active webhooks that want `event` on `broadcasterId`'s channel, and, when
   * `anyChannel`, of those on every channel (no broadcaster).
   */
  async subscriberIds(
    event: WebhookEvent,
    broadcasterId: string,
    anyChannel: boolean,
  ): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM webhooks
        WHERE active AND $1 = ANY (events)
          AND (broadcaster_id = $2 OR ($3 AND broadcaster_id IS NULL))`,
      [event, broadcasterId, anyChannel],
    );
    return rows.map((row) => row.id);
  }

  /** What a delivery needs of the webhook (with its sealed secret), or null. */
  async target(id: string): Promise<DeliveryTarget | null> {
    const [row] = await this.dataSource.query<
      { id: string; owner_id: string; url: string; active: boolean; secret_sealed: string }[]
    >('SELECT id, owner_id, url, active, secret_sealed FROM webhooks WHERE id = $1', [id]);
    return row
      ? {
          id: row.id,
          ownerId: row.owner_id,
          url: row.url,
          active: row.active,
          sealedSecret: row.secret_sealed,
        }
      : null;
  }

  /** Inserts one delivery attempt in the caller's transaction (none if the webhook is gone). */
  async insertDelivery(
    manager: EntityManager,
    attempt: Omit<WebhookDeliveryRecord, 'id' | 'createdAt'>,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event, attempt, status_code, ok, created_at)
       SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $1)`,
      [
        attempt.webhookId,
        attempt.eventId,
        attempt.event,
        attempt.attempt,
        attempt.statusCode,
        attempt.ok,
        at,
      ],
    );
  }

  /** Ends the webhook's failure streak, in the caller's transaction. */
  async clearFailingSince(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      'UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
      [id],
    );
  }

  /** Starts the webhook's failure streak at `at` unless one runs, in the caller's transaction. */
  async markFailingSince(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query(
      'UPDATE webhooks SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL',
      [id, at],
    );
  }

  /** Deletes all but the newest `keep` attempts of the webhook, in the caller's transaction. */
  async pruneDeliveries(manager: EntityManager, webhookId: string, keep: number): Promise<void> {
    await manager.query(
      `DELETE FROM webhook_deliveries
        WHERE webhook_id = $1
          AND id < (SELECT id FROM webhook_deliveries WHERE webhook_id = $1
                     ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [webhookId, keep - 1],
    );
  }

  /**
   * Deactivates the webhook if it is active and its failure streak started at `since` or
   * earlier; whether it did.
   */
  async disableIfFailingSince(id: string, since: Date): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `UPDATE webhooks SET active = false
        WHERE id = $1 AND active AND failing_since IS NOT NULL AND failing_since <= $2
        RETURNING 1`,
      [id, since],
    );
    return rows.length > 0;
  }

  /** The newest `limit` attempts of each webhook (newest first), in one query. */
  async recentDeliveries(
    webhookIds: readonly string[],
    limit: number,
  ): Promise<Map<string, WebhookDeliveryRecord[]>> {
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT d.* FROM unnest($1::uuid[]) AS w (id)
         CROSS JOIN LATERAL (
           SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
            WHERE webhook_id = w.id ORDER BY id DESC LIMIT $2
         ) d
        ORDER BY d.webhook_id, d.id DESC`,
      [webhookIds, limit],
    );
    const byWebhook = new Map<string, WebhookDeliveryRecord[]>();
    for (const row of rows) {
      const list = byWebhook.get(row.webhook_id) ?? [];
      list.push(toDelivery(row));
      byWebhook.set(row.webhook_id, list);
    }
    return byWebhook;
  }
}

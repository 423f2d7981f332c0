import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { PayoutRecord, PayoutStatus } from './payments.model';

interface PayoutRow {
  id: string;
  user_id: string;
  amount_cents: string;
  currency: string;
  status: PayoutStatus;
  provider_transfer_id: string | null;
  idempotency_key: string;
  created_at: Date;
  paid_at: Date | null;
}

const COLUMNS =
  'id, user_id, amount_cents, currency, status, provider_transfer_id, idempotency_key, created_at, paid_at';

function toPayout(row: PayoutRow): PayoutRecord {
  return {
    id: row.id,
    userId: row.user_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency.trim(),
    status: row.status,
    providerTransferId: row.provider_transfer_id,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
    paidAt: row.paid_at ? new Date(row.paid_at) : null,
  };
}

/** The `payouts` and `payout_accounts` tables: the only place their SQL lives. */
@Injectable()
export class PayoutsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a PENDING payout in the caller's transaction; false when the user's idempotency key
   * exists already.
   */
  async insertPending(
    manager: EntityManager,
    payout: {
      id: string;
      userId: string;
      amountCents: number;
      currency: string;
      provider: string | undefined;
      idempotencyKey: string;
      at: Date;
    },
  ): Promise<boolean> {
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO payouts (id, user_id, amount_cents, currency, status, provider, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $7)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        payout.id,
        payout.userId,
        payout.amountCents,
        payout.currency,
        payout.provider,
        payout.idempotencyKey,
        payout.at,
      ],
    );
    return inserted.length > 0;
  }

  /** A page of the user's payouts, newest first. */
  async listByUser(userId: string, limit: number, offset: number): Promise<PayoutRecord[]> {
    const rows = await this.dataSource.query<PayoutRow[]>(
      `SELECT ${COLUMNS} FROM payouts WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    );
    return rows.map(toPayout);
  }

  /** The payout, or null. */
  async findById(id: string): Promise<PayoutRecord | null> {
    const [row] = await this.dataSource.query<PayoutRow[]>(
      `SELECT ${COLUMNS} FROM payouts WHERE id = $1`,
      [id],
    );
    return row ? toPayout(row) : null;
  }

  /** The user's payout of that idempotency key, or null. */
  async findByKey(userId: string, key: string): Promise<PayoutRecord | null> {
    const [row] = await this.dataSource.query<PayoutRow[]>(
      `SELECT ${COLUMNS} FROM payouts WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return row ? toPayout(row) : null;
  }

  /**
   * The payout of that provider transfer, or else of that payout id (as the transfer's metadata
   * says), locked FOR UPDATE in the caller's transaction.
   */
  async lockByTransfer(
    manager: EntityManager,
    transferId: string,
    payoutId: string,
  ): Promise<PayoutRecord | null> {
    const [row] = await manager.query<PayoutRow[]>(
      `SELECT ${COLUMNS} FROM payouts WHERE provider_transfer_id = $1 OR id::text = $2 FOR UPDATE`,
      [transferId, payoutId],
    );
    return row ? toPayout(row) : null;
  }

  /** The payout, locked FOR UPDATE in the caller's transaction. */
  async lockById(manager: EntityManager, id: string): Promise<PayoutRecord | null> {
    const [row] = await manager.query<PayoutRow[]>(
      `SELECT ${COLUMNS} FROM payouts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ? toPayout(row) : null;
  }

  /**
   * Sets the payout's final status in the caller's transaction, keeps the first transfer id it
   * was given, and stamps `paid_at` when PAID.
   */
  async setOutcome(
    manager: EntityManager,
    id: string,
    status: PayoutStatus.PAID | PayoutStatus.FAILED,
    transferId: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE payouts SET status = $2::varchar, provider_transfer_id = COALESCE(provider_transfer_id, $3),
              paid_at = CASE WHEN $2::varchar = 'PAID' THEN $4 ELSE paid_at END, updated_at = $4 WHERE id = $1`,
      [id, status, transferId, at],
    );
  }

  /** The user's connected account id at that provider, or null. */
  async accountOf(userId: string, provider: string): Promise<string | null> {
    const [known] = await this.dataSource.query<{ provider_account_id: string }[]>(
      `SELECT provider_account_id FROM payout_accounts WHERE user_id = $1 AND provider = $2`,
      [userId, provider],
    );
    return known?.provider_account_id ?? null;
  }

  /** Stores the user's connected account unless the user has one already. */
  async insertAccount(
    userId: string,
    provider: string,
    accountId: string,
    at: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO payout_accounts (user_id, provider, provider_account_id, created_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING`,
      [userId, provider, accountId, at],
    );
  }
}

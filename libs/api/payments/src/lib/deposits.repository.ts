import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { DepositStatus, type DepositRecord } from './payments.model';

interface DepositRow {
  id: string;
  user_id: string;
  amount_cents: string;
  currency: string;
  status: DepositStatus;
  provider: string;
  provider_session_id: string | null;
  checkout_url: string | null;
  return_url: string | null;
  idempotency_key: string;
  created_at: Date;
}

const COLUMNS =
  'id, user_id, amount_cents, currency, status, provider, provider_session_id, checkout_url, return_url, idempotency_key, created_at';

function toDeposit(row: DepositRow): DepositRecord {
  return {
    id: row.id,
    userId: row.user_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency.trim(),
    status: row.status,
    provider: row.provider,
    providerSessionId: row.provider_session_id,
    // The contract: the page to pay on while PENDING, null afterwards.
    checkoutUrl: row.status === DepositStatus.PENDING ? row.checkout_url : null,
    returnUrl: row.return_url,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
  };
}

/**
 * The `deposits` table and the `payment_events` log of the provider's events: the only place their
 * SQL lives.
 */
@Injectable()
export class DepositsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a PENDING deposit; false when the user's idempotency key exists already. */
  async insertPending(deposit: {
    id: string;
    userId: string;
    amountCents: number;
    currency: string;
    provider: string;
    returnUrl: string | null;
    idempotencyKey: string;
    at: Date;
  }): Promise<boolean> {
    const inserted = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO deposits (id, user_id, amount_cents, currency, status, provider, return_url, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8, $8)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        deposit.id,
        deposit.userId,
        deposit.amountCents,
        deposit.currency,
        deposit.provider,
        deposit.returnUrl,
        deposit.idempotencyKey,
        deposit.at,
      ],
    );
    return inserted.length > 0;
  }

  /** Marks the deposit FAILED (its checkout could not be created). */
  async markFailed(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE deposits SET status = 'FAILED', updated_at = $2 WHERE id = $1`,
      [id, at],
    );
  }

  /** Stores the provider's checkout session of the deposit. */
  async setCheckout(id: string, sessionId: string, url: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE deposits SET provider_session_id = $2, checkout_url = $3 WHERE id = $1`,
      [id, sessionId, url],
    );
  }

  /** A page of the user's deposits, newest first. */
  async listByUser(userId: string, limit: number, offset: number): Promise<DepositRecord[]> {
    const rows = await this.dataSource.query<DepositRow[]>(
      `SELECT ${COLUMNS} FROM deposits WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    );
    return rows.map(toDeposit);
  }

  /** The deposit, or null. */
  async findById(id: string): Promise<DepositRecord | null> {
    const [row] = await this.dataSource.query<DepositRow[]>(
      `SELECT ${COLUMNS} FROM deposits WHERE id = $1`,
      [id],
    );
    return row ? toDeposit(row) : null;
  }

  /** The user's deposit of that idempotency key, or null. */
  async findByKey(userId: string, key: string): Promise<DepositRecord | null> {
    const [row] = await this.dataSource.query<DepositRow[]>(
      `SELECT ${COLUMNS} FROM deposits WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return row ? toDeposit(row) : null;
  }

  /** The deposit of that checkout session, locked FOR UPDATE in the caller's transaction. */
  async lockBySession(manager: EntityManager, sessionId: string): Promise<DepositRecord | null> {
    const [row] = await manager.query<DepositRow[]>(
      `SELECT ${COLUMNS} FROM deposits WHERE provider_session_id = $1 FOR UPDATE`,
      [sessionId],
    );
    return row ? toDeposit(row) : null;
  }

  /** The deposit paid by that payment intent, locked FOR UPDATE in the caller's transaction. */
  async lockByPaymentIntent(
    manager: EntityManager,
    paymentIntent: string,
  ): Promise<DepositRecord | null> {
    const [row] = await manager.query<DepositRow[]>(
      `SELECT ${COLUMNS} FROM deposits WHERE provider_payment_id = $1 FOR UPDATE`,
      [paymentIntent],
    );
    return row ? toDeposit(row) : null;
  }

  /** Marks the deposit SUCCEEDED, paid by that payment intent, in the caller's transaction. */
  async markSucceeded(
    manager: EntityManager,
    id: string,
    paymentIntent: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE deposits SET status = 'SUCCEEDED', provider_payment_id = $2, updated_at = $3 WHERE id = $1`,
      [id, paymentIntent, at],
    );
  }

  /** Sets the deposit's status, in the caller's transaction. */
  async setStatus(
    manager: EntityManager,
    id: string,
    status: DepositStatus,
    at: Date,
  ): Promise<void> {
    await manager.query(`UPDATE deposits SET status = $2, updated_at = $3 WHERE id = $1`, [
      id,
      status,
      at,
    ]);
  }

  /**
   * Records a provider event's id in the caller's transaction; false when it was recorded
   * already (a replayed delivery, or a concurrent one that committed first).
   */
  async recordEvent(manager: EntityManager, id: string, type: string, at: Date): Promise<boolean> {
    const fresh = await manager.query<{ id: string }[]>(
      `INSERT INTO payment_events (id, type, received_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, type, at],
    );
    return fresh.length > 0;
  }

  /** Links a recorded event to the deposit or payout it acted on, in the caller's transaction. */
  async linkEvent(
    manager: EntityManager,
    id: string,
    depositId: string | null,
    payoutId: string | null,
  ): Promise<void> {
    await manager.query(`UPDATE payment_events SET deposit_id = $2, payout_id = $3 WHERE id = $1`, [
      id,
      depositId,
      payoutId,
    ]);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { TipRecord } from './tip.model';

interface TipRow {
  id: string;
  stream_id: string;
  from_user_id: string;
  to_user_id: string;
  amount_cents: string;
  currency: string;
  platform_fee_cents: string;
  net_cents: string;
  message: string | null;
  idempotency_key: string;
  created_at: Date;
}

const TIP_COLUMNS =
  'id, stream_id, from_user_id, to_user_id, amount_cents, currency, platform_fee_cents, net_cents, message, idempotency_key, created_at';

function toTip(row: TipRow): TipRecord {
  return {
    id: row.id,
    streamId: row.stream_id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency.trim(),
    platformFeeCents: Number(row.platform_fee_cents),
    netCents: Number(row.net_cents),
    message: row.message,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
  };
}

/** An amount in one currency. */
export interface MoneyTotal {
  currency: string;
  amountCents: number;
}

/** The tips of one stream: how many, gross and net (after the platform fee) per currency. */
export interface TipFigures {
  count: number;
  gross: MoneyTotal[];
  net: MoneyTotal[];
}

/**
 * The `tips` table: tips as read back, and figures over them (the stats lib reads them through
 * TipsService). Tips are written by the ledger's finserve_send_tip (LedgerRepository).
 */
@Injectable()
export class TipsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A page of the tips the user sent (`column` from_user_id) or received (to_user_id), newest first. */
  async listByUser(
    column: 'from_user_id' | 'to_user_id',
    userId: string,
    limit: number,
    offset: number,
  ): Promise<TipRecord[]> {
    const rows = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE ${column} = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    );
    return rows.map(toTip);
  }

  /** The tip, or null. */
  async findById(id: string): Promise<TipRecord | null> {
    const [row] = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE id = $1`,
      [id],
    );
    return row ? toTip(row) : null;
  }

  /** The tips of these ids that exist, in no particular order. */
  /** Tips by id; with `manager`, in that transaction (it sees the tips it wrote). */
  async findByIds(ids: readonly string[], manager?: EntityManager): Promise<TipRecord[]> {
    const rows = await (manager ?? this.dataSource.manager).query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toTip);
  }

  /** The tip the user sent with that idempotency key, or null. */
  async findByKey(fromUserId: string, key: string): Promise<TipRecord | null> {
    const [row] = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE from_user_id = $1 AND idempotency_key = $2`,
      [fromUserId, key],
    );
    return row ? toTip(row) : null;
  }

  /** Per stream that has tips: count, gross and net per currency. */
  async figuresByStream(streamIds: readonly string[]): Promise<Map<string, TipFigures>> {
    const rows = await this.dataSource.query<
      { stream_id: string; currency: string; count: number; gross: string; net: string }[]
    >(
      `SELECT stream_id, currency, count(*)::int AS count, sum(amount_cents)::text AS gross, sum(net_cents)::text AS net
         FROM tips WHERE stream_id = ANY($1::uuid[]) GROUP BY stream_id, currency ORDER BY stream_id, currency`,
      [streamIds],
    );
    const figures = new Map<string, TipFigures>();
    for (const row of rows) {
      const entry = figures.get(row.stream_id) ?? { count: 0, gross: [], net: [] };
      entry.count += row.count;
      entry.gross.push({ currency: row.currency.trim(), amountCents: Number(row.gross) });
      entry.net.push({ currency: row.currency.trim(), amountCents: Number(row.net) });
      figures.set(row.stream_id, entry);
    }
    return figures;
  }

  /** Platform-wide gross tips and fees per currency. */
  async platformTotals(): Promise<{ gross: MoneyTotal[]; fees: MoneyTotal[] }> {
    const rows = await this.dataSource.query<{ currency: string; gross: string; fees: string }[]>(
      `SELECT currency, sum(amount_cents)::text AS gross, sum(platform_fee_cents)::text AS fees
         FROM tips GROUP BY currency ORDER BY currency`,
    );
    return {
      gross: rows.map((r) => ({ currency: r.currency.trim(), amountCents: Number(r.gross) })),
      fees: rows.map((r) => ({ currency: r.currency.trim(), amountCents: Number(r.fees) })),
    };
  }

  /** Gross tips received per streamer and currency. */
  async grossByStreamer(streamerIds: readonly string[]): Promise<Map<string, MoneyTotal[]>> {
    const rows = await this.dataSource.query<
      { to_user_id: string; currency: string; gross: string }[]
    >(
      `SELECT to_user_id, currency, sum(amount_cents)::text AS gross FROM tips
        WHERE to_user_id = ANY($1::uuid[]) GROUP BY to_user_id, currency ORDER BY currency`,
      [streamerIds],
    );
    const totals = new Map<string, MoneyTotal[]>();
    for (const row of rows) {
      totals.set(row.to_user_id, [
        ...(totals.get(row.to_user_id) ?? []),
        { currency: row.currency.trim(), amountCents: Number(row.gross) },
      ]);
    }
    return totals;
  }
}

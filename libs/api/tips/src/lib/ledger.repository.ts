import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** What a ledger function answers for a movement kept once per reference or idempotency key. */
export interface Movement {
  /** False when the reference was used already: nothing moved this time. */
  created: boolean;
}

/** A tip for finserve_send_tip(s). */
export interface TipToSend {
  streamId: string;
  fromUserId: string;
  amountCents: number;
  currency: string;
  feeCents: number;
  message: string | null;
  idempotencyKey: string;
  at: Date;
}

/**
 * The ledger: `accounts`, `transfers`, `ledger_entries` and the movements kept per reference
 * (`wallet_credits`, `wallet_reversals`, `wallet_reinstatements`, `wallet_payouts`), plus the
 * tips written by finserve_send_tip. Money moves only through the database functions of the
 * ledger (finserve_send_tip, finserve_credit_wallet, ...: one statement each, balanced and locked
 * in the database); this is the only place that calls them, and the only place their tables' SQL
 * lives. The SQLSTATEs they raise are mapped to domain errors by TipsService.
 */
@Injectable()
export class LedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Moves a tip in the caller's transaction (finserve_send_tip): sender -amount, streamer +net,
   * platform +fee, and the `tips` row. Returns the tip's id: the first tip's when the sender's
   * idempotency key was used already (`created` false).
   */
  async sendTip(manager: EntityManager, tip: TipToSend): Promise<Movement & { tipId: string }> {
    const [row] = await manager.query<{ tip_id: string; created: boolean }[]>(
      'SELECT * FROM finserve_send_tip($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [
        randomUUID(),
        tip.streamId,
        tip.fromUserId,
        tip.amountCents,
        tip.currency,
        tip.feeCents,
        tip.message,
        tip.idempotencyKey,
        tip.at,
      ],
    );
    return { tipId: row.tip_id, created: row.created };
  }

  /**
   * Moves a batch of tips in the caller's transaction (finserve_send_tips, at most
   * SEND_TIPS_MAX_BATCH): each as sendTip would, in its own subtransaction. One answer per tip, in
   * order: its tip id and `created`, or the SQLSTATE it raised (nothing of it was written).
   */
  async sendTips(
    manager: EntityManager,
    tips: readonly TipToSend[],
  ): Promise<Array<(Movement & { tipId: string }) | { errorCode: string }>> {
    const payload = tips.map((tip) => ({
      id: randomUUID(),
      stream: tip.streamId,
      from: tip.fromUserId,
      amount: tip.amountCents,
      currency: tip.currency,
      fee: tip.feeCents,
      message: tip.message,
      key: tip.idempotencyKey,
      at: tip.at.toISOString(),
    }));
    const rows = await manager.query<
      { idx: number; tip_id: string | null; created: boolean; error_code: string | null }[]
    >('SELECT * FROM finserve_send_tips($1::jsonb)', [JSON.stringify(payload)]);
    const answers = new Array<(Movement & { tipId: string }) | { errorCode: string }>(tips.length);
    for (const row of rows) {
      answers[row.idx] =
        row.error_code !== null || row.tip_id === null
          ? { errorCode: row.error_code ?? 'XX000' }
          : { tipId: row.tip_id, created: row.created };
    }
    return answers;
  }

  /**
   * Credits a wallet from outside (finserve_credit_wallet), in the caller's transaction (or on
   * its own with `dataSource.manager`), once per reference.
   */
  async creditWallet(
    manager: EntityManager,
    credit: {
      reference: string;
      userId: string;
      amountCents: number;
      currency: string;
      createdBy: string;
      at: Date;
    },
  ): Promise<Movement> {
    const [result] = await manager.query<{ transfer_id: string; created: boolean }[]>(
      'SELECT * FROM finserve_credit_wallet($1, $2, $3, $4, $5, $6, $7)',
      [
        randomUUID(),
        credit.reference,
        credit.userId,
        credit.amountCents,
        credit.currency,
        credit.createdBy,
        credit.at,
      ],
    );
    return { created: result.created };
  }

  /** The credit of that reference (whose wallet, how much), or null. */
  async creditOf(
    reference: string,
  ): Promise<{ userId: string; amountCents: number; currency: string } | null> {
    const [row] = await this.dataSource.query<
      { user_id: string; amount_cents: string; currency: string }[]
    >('SELECT user_id, amount_cents, currency FROM wallet_credits WHERE reference = $1', [
      reference,
    ]);
    return row
      ? {
          userId: row.user_id,
          amountCents: Number(row.amount_cents),
          currency: row.currency.trim(),
        }
      : null;
  }

  /**
   * Reverses (part of) a credit in the caller's transaction (finserve_reverse_credit), once per
   * reference; with the cents the wallet gave back (the platform bore the rest).
   */
  async reverseCredit(
    manager: EntityManager,
    reversal: { reference: string; creditReference: string; amountCents: number; at: Date },
  ): Promise<Movement & { fromWalletCents: number }> {
    const [result] = await manager.query<{ transfer_id: string; created: boolean }[]>(
      'SELECT * FROM finserve_reverse_credit($1, $2, $3, $4, $5)',
      [
        randomUUID(),
        reversal.reference,
        reversal.creditReference,
        reversal.amountCents,
        reversal.at,
      ],
    );
    const [row] = await manager.query<{ from_wallet_cents: string }[]>(
      'SELECT from_wallet_cents FROM wallet_reversals WHERE reference = $1',
      [reversal.reference],
    );
    return { created: result.created, fromWalletCents: Number(row.from_wallet_cents) };
  }

  /**
   * Gives back what a reversal took, in the caller's transaction (finserve_reinstate_reversal);
   * false when there was no such reversal or it was reinstated already.
   */
  async reinstateReversal(
    manager: EntityManager,
    reversalReference: string,
    at: Date,
  ): Promise<boolean> {
    const [row] = await manager.query<{ moved: boolean }[]>(
      'SELECT finserve_reinstate_reversal($1, $2, $3) AS moved',
      [randomUUID(), reversalReference, at],
    );
    return row.moved;
  }

  /** Cents of the credit reversed now (reinstated reversals not counted), in the caller's transaction. */
  async reversedCents(manager: EntityManager, creditReference: string): Promise<number> {
    const [row] = await manager.query<{ total: string }[]>(
      `SELECT COALESCE(sum(r.amount_cents), 0)::text AS total FROM wallet_reversals r
        WHERE r.credit_reference = $1
          AND NOT EXISTS (SELECT 1 FROM wallet_reinstatements i WHERE i.reversal_reference = r.reference)`,
      [creditReference],
    );
    return Number(row.total);
  }

  /** The balance of each wallet the user has, by currency. */
  async walletBalances(userId: string): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ currency: string; balance_cents: string }[]>(
      `SELECT currency, balance_cents FROM accounts WHERE kind = 'WALLET' AND user_id = $1 ORDER BY currency`,
      [userId],
    );
    return new Map(rows.map((row) => [row.currency.trim(), Number(row.balance_cents)]));
  }

  /** What the user may pay out now in each of these currencies (finserve_withdrawable). */
  async withdrawableIn(
    userId: string,
    currencies: readonly string[],
  ): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ currency: string; cents: string }[]>(
      `SELECT c AS currency, finserve_withdrawable($1, c::char(3))::text AS cents FROM unnest($2::text[]) AS c`,
      [userId, currencies],
    );
    return new Map(rows.map((row) => [row.currency, Number(row.cents)]));
  }

  /** What the user may pay out now in a currency, in the caller's transaction. */
  async withdrawable(manager: EntityManager, userId: string, currency: string): Promise<number> {
    const [row] = await manager.query<{ cents: string }[]>(
      'SELECT finserve_withdrawable($1, $2)::text AS cents',
      [userId, currency],
    );
    return Number(row.cents);
  }

  /**
   * A payout's debit, wallet -> PAYOUT_TRANSIT, in the caller's transaction
   * (finserve_payout_debit), once per reference. Raises SQLSTATE P0402 when not that much is
   * withdrawable.
   */
  async debitForPayout(
    manager: EntityManager,
    payout: { reference: string; userId: string; amountCents: number; currency: string; at: Date },
  ): Promise<Movement> {
    const [result] = await manager.query<{ transfer_id: string; created: boolean }[]>(
      'SELECT * FROM finserve_payout_debit($1, $2, $3, $4, $5, $6)',
      [
        randomUUID(),
        payout.reference,
        payout.userId,
        payout.amountCents,
        payout.currency,
        payout.at,
      ],
    );
    return { created: result.created };
  }

  /**
   * Ends a payout in the caller's transaction (finserve_payout_settle): paid, PAYOUT_TRANSIT ->
   * EXTERNAL; failed, back to the wallet. Whether anything moved.
   */
  async settlePayout(
    manager: EntityManager,
    reference: string,
    paid: boolean,
    at: Date,
  ): Promise<boolean> {
    const [row] = await manager.query<{ moved: boolean }[]>(
      'SELECT finserve_payout_settle($1, $2, $3, $4) AS moved',
      [randomUUID(), reference, paid, at],
    );
    return row.moved;
  }

  /** The ledger's invariants, as readable violations (none = healthy). */
  async invariantViolations(): Promise<string[]> {
    const problems: string[] = [];
    const check = async (sql: string, describe: (row: Record<string, unknown>) => string) => {
      const rows = await this.dataSource.query<Record<string, unknown>[]>(sql);
      problems.push(...rows.map(describe));
    };

    await check(
      `SELECT transfer_id, sum(amount_cents)::text AS total FROM ledger_entries GROUP BY transfer_id HAVING sum(amount_cents) <> 0`,
      (r) => `transfer ${String(r['transfer_id'])} sums to ${String(r['total'])}, not 0`,
    );
    await check(
      `SELECT t.id FROM transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id
        GROUP BY t.id HAVING count(e.id) < 2`,
      (r) => `transfer ${String(r['id'])} has fewer than two entries`,
    );
    await check(
      `SELECT e.id, e.transfer_id FROM ledger_entries e
         JOIN transfers t ON t.id = e.transfer_id JOIN accounts a ON a.id = e.account_id
        WHERE a.currency <> t.currency`,
      (r) =>
        `entry ${String(r['id'])} of transfer ${String(r['transfer_id'])} is in another currency`,
    );
    await check(
      `SELECT a.id, a.balance_cents::text AS cached, COALESCE(e.total, 0)::text AS total
         FROM accounts a
         LEFT JOIN (SELECT account_id, sum(amount_cents) AS total FROM ledger_entries GROUP BY account_id) e
           ON e.account_id = a.id
        WHERE a.balance_cents IS NOT NULL AND a.balance_cents <> COALESCE(e.total, 0)`,
      (r) =>
        `wallet ${String(r['id'])} caches ${String(r['cached'])} but its entries sum to ${String(r['total'])}`,
    );
    await check(
      `SELECT id FROM accounts WHERE kind = 'WALLET' AND balance_cents < 0`,
      (r) => `wallet ${String(r['id'])} is negative`,
    );
    await check(
      `SELECT currency, sum(amount_cents)::text AS total FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
        GROUP BY currency HAVING sum(amount_cents) <> 0`,
      (r) => `money is not conserved in ${String(r['currency'])}: ${String(r['total'])}`,
    );
    // Each tip moved exactly: sender -amount, receiver +net, platform +fee.
    await check(
      `SELECT t.id FROM tips t
        WHERE NOT EXISTS (SELECT 1 FROM transfers x WHERE x.id = t.id AND x.kind = 'TIP')
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = t.id AND a.kind = 'WALLET' AND a.user_id = t.from_user_id) <> -t.amount_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = t.id AND a.kind = 'WALLET' AND a.user_id = t.to_user_id) <> t.net_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = t.id AND a.kind = 'PLATFORM_FEES') <> t.platform_fee_cents`,
      (r) => `tip ${String(r['id'])} does not match its ledger entries`,
    );
    // Each reversal of a provider credit moved exactly: the provider +amount, the wallet
    // -from_wallet_cents, the platform the rest; and never more than the credit in total.
    await check(
      `SELECT r.reference FROM wallet_reversals r
        WHERE NOT EXISTS (SELECT 1 FROM transfers x WHERE x.id = r.transfer_id AND x.kind = 'REVERSAL')
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = r.transfer_id AND a.kind = 'WALLET' AND a.user_id = r.user_id) <> -r.from_wallet_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = r.transfer_id AND a.kind = 'EXTERNAL') <> r.amount_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = r.transfer_id AND a.kind = 'PLATFORM_FEES') <> -(r.amount_cents - r.from_wallet_cents)`,
      (r) => `reversal ${String(r['reference'])} does not match its ledger entries`,
    );
    await check(
      `SELECT c.reference FROM wallet_credits c JOIN wallet_reversals r ON r.credit_reference = c.reference
        WHERE NOT EXISTS (SELECT 1 FROM wallet_reinstatements i WHERE i.reversal_reference = r.reference)
        GROUP BY c.reference, c.amount_cents HAVING sum(r.amount_cents) > c.amount_cents`,
      (r) => `credit ${String(r['reference'])} is reversed by more than it credited`,
    );
    // Each payout moved exactly: its debit wallet -> PAYOUT_TRANSIT, then at most one outcome.
    await check(
      `SELECT p.reference FROM wallet_payouts p
        WHERE NOT EXISTS (SELECT 1 FROM transfers x WHERE x.id = p.transfer_id AND x.kind = 'PAYOUT')
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = p.transfer_id AND a.kind = 'WALLET' AND a.user_id = p.user_id) <> -p.amount_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = p.transfer_id AND a.kind = 'PAYOUT_TRANSIT') <> p.amount_cents
           OR (p.settled_transfer_id IS NOT NULL AND (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e
                JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = p.settled_transfer_id AND a.kind = 'EXTERNAL') <> p.amount_cents)
           OR (p.returned_transfer_id IS NOT NULL AND (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e
                JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = p.returned_transfer_id AND a.kind = 'WALLET' AND a.user_id = p.user_id) <> p.amount_cents)`,
      (r) => `payout ${String(r['reference'])} does not match its ledger entries`,
    );
    // Money in transit is exactly the payouts still waiting for the provider.
    await check(
      `SELECT a.currency, COALESCE(sum(e.amount_cents), 0)::text AS held,
              (SELECT COALESCE(sum(p.amount_cents), 0) FROM wallet_payouts p
                WHERE p.currency = a.currency AND p.outcome IS NULL)::text AS waiting
         FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
        WHERE a.kind = 'PAYOUT_TRANSIT'
        GROUP BY a.id, a.currency
       HAVING COALESCE(sum(e.amount_cents), 0) <> (SELECT COALESCE(sum(p.amount_cents), 0) FROM wallet_payouts p
                WHERE p.currency = a.currency AND p.outcome IS NULL)`,
      (r) =>
        `payouts in transit in ${String(r['currency'])} hold ${String(r['held'])}, but ${String(r['waiting'])} are waiting`,
    );
    // Each reinstated reversal (a dispute won) gives back exactly what the reversal took.
    await check(
      `SELECT i.reversal_reference FROM wallet_reinstatements i JOIN wallet_reversals r ON r.reference = i.reversal_reference
        WHERE NOT EXISTS (SELECT 1 FROM transfers x WHERE x.id = i.transfer_id AND x.kind = 'REINSTATE')
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = i.transfer_id AND a.kind = 'WALLET' AND a.user_id = r.user_id) <> r.from_wallet_cents
           OR (SELECT COALESCE(sum(e.amount_cents), 0) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                WHERE e.transfer_id = i.transfer_id AND a.kind = 'EXTERNAL') <> -r.amount_cents`,
      (r) =>
        `reinstatement of ${String(r['reversal_reference'])} does not match its ledger entries`,
    );
    return problems;
  }

  /** Every tip's amount and fee (to check the fees against the fee rule). */
  async tipFees(): Promise<{ id: string; amountCents: number; platformFeeCents: number }[]> {
    const rows = await this.dataSource.query<
      { id: string; amount_cents: string; platform_fee_cents: string }[]
    >('SELECT id, amount_cents, platform_fee_cents FROM tips');
    return rows.map((row) => ({
      id: row.id,
      amountCents: Number(row.amount_cents),
      platformFeeCents: Number(row.platform_fee_cents),
    }));
  }
}

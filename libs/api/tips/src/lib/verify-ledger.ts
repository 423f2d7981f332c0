import type { DataSource } from 'typeorm';

import { platformFeeCents } from '@finserve/shared';

/**
 * The ledger's invariants, as readable violations (none = healthy). Run by `db.js verify`
 * (Nx target api:db:verify), after every tips test and by the tips benchmark.
 */
export async function verifyLedger(dataSource: DataSource, feeBps?: number): Promise<string[]> {
  const problems: string[] = [];
  const check = async (sql: string, describe: (row: Record<string, unknown>) => string) => {
    const rows = await dataSource.query<Record<string, unknown>[]>(sql);
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
  if (feeBps !== undefined) {
    const tips = await dataSource.query<
      { id: string; amount_cents: string; platform_fee_cents: string }[]
    >('SELECT id, amount_cents, platform_fee_cents FROM tips');
    for (const tip of tips) {
      if (platformFeeCents(Number(tip.amount_cents), feeBps) !== Number(tip.platform_fee_cents)) {
        problems.push(
          `tip ${tip.id} has fee ${tip.platform_fee_cents}, expected ${platformFeeCents(Number(tip.amount_cents), feeBps)}`,
        );
      }
    }
  }
  return problems;
}

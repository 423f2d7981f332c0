import type { DataSource } from 'typeorm';

import { platformFeeCents } from '@finserve/shared';

import { LedgerRepository } from './ledger.repository';

/**
 * The ledger's invariants, as readable violations (none = healthy). Run by `db.js verify`
 * (Nx target api:db:verify), after every tips test and by the tips benchmark. With `feeBps`,
 * also that every tip's fee is the fee rule's.
 */
export async function verifyLedger(dataSource: DataSource, feeBps?: number): Promise<string[]> {
  const ledger = new LedgerRepository(dataSource);
  const problems = await ledger.invariantViolations();
  if (feeBps !== undefined) {
    for (const tip of await ledger.tipFees()) {
      const expected = platformFeeCents(tip.amountCents, feeBps);
      if (expected !== tip.platformFeeCents) {
        problems.push(`tip ${tip.id} has fee ${tip.platformFeeCents}, expected ${expected}`);
      }
    }
  }
  return problems;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as ledgerSql from './ledger-functions';
import {
  PAYOUT_DEBIT_SQLSTATES,
  PAYOUT_DEBIT_V1,
  SEND_TIP_SQLSTATES,
  SEND_TIP_V1,
} from './ledger-functions';

/** The finserve_* functions a text calls as `finserve_x(`, or creates. */
function functionsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(finserve_[a-z_]+)\(/g)].map((match) => match[1]));
}

/** The functions the constants create. */
function created(): Set<string> {
  const names = new Set<string>();
  for (const value of Object.values(ledgerSql)) {
    if (typeof value !== 'string') continue;
    const match = /CREATE (?:OR REPLACE )?FUNCTION (finserve_[a-z_]+)\(/.exec(value);
    if (match) names.add(match[1]);
  }
  return names;
}

describe('ledger functions as tips lib code', () => {
  it('raises every SQLSTATE TipsService maps for a tip, and no other', () => {
    const raised = [...SEND_TIP_V1.matchAll(/ERRCODE = '(P\d{4})'/g)].map((match) => match[1]);
    expect(new Set(raised)).toEqual(new Set(Object.values(SEND_TIP_SQLSTATES)));
  });

  it('raises the payout debit SQLSTATE TipsService maps', () => {
    const raised = [...PAYOUT_DEBIT_V1.matchAll(/ERRCODE = '(P\d{4})'/g)].map((match) => match[1]);
    expect(new Set(raised)).toEqual(new Set(Object.values(PAYOUT_DEBIT_SQLSTATES)));
  });

  it('defines every ledger function LedgerRepository calls', () => {
    const called = functionsIn(readFileSync(join(__dirname, 'ledger.repository.ts'), 'utf8'));
    expect(called.size).toBeGreaterThan(0);
    const defined = created();
    expect([...called].filter((name) => !defined.has(name))).toEqual([]);
  });

  it('leaves no ledger function defined only inside a migration', () => {
    const migrations = join(__dirname, '../../../../../migrations');
    const inline: string[] = [];
    for (const file of [
      '1764300000000-CreateLedgerAndTips.ts',
      '1765300000000-CreateDeposits.ts',
      '1765420000000-CreatePayouts.ts',
    ]) {
      const text = readFileSync(join(migrations, file), 'utf8');
      for (const match of text.matchAll(/CREATE (?:OR REPLACE )?FUNCTION (finserve_[a-z_]+)/g))
        inline.push(`${file}: ${match[1]}`);
    }
    expect(inline).toEqual([]);
  });

  it('keeps this file free of imports (migrations load it on its own)', () => {
    const text = readFileSync(join(__dirname, 'ledger-functions.ts'), 'utf8');
    expect(text).not.toMatch(/^import /m);
  });
});

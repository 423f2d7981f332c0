import type { MigrationInterface, QueryRunner } from 'typeorm';

import {
  PAYOUT_DEBIT_V1,
  PAYOUT_SETTLE_V1,
  REINSTATE_REVERSAL_V1,
  WITHDRAWABLE_V1,
} from '@finserve/api/tips/ledger-sql';

/**
 * Money out: payouts of earnings through the payment provider.
 *
 * Ledger (owned by libs/api/tips): a per-currency PAYOUT_TRANSIT system account, and
 * `wallet_payouts`, one row per payout, describing its transfers. A payout debits the wallet at
 * once into PAYOUT_TRANSIT (transfer kind PAYOUT); when the provider confirms it, in-transit money
 * moves to EXTERNAL (PAYOUT_SETTLED); when it fails, back to the wallet (PAYOUT_RETURN; from
 * EXTERNAL when it had been confirmed and the provider reversed it later).
 *
 * Withdrawable money: tips received (net) minus payouts not failed, never more than the balance
 * (deposited money is spent first and is never withdrawable).
 *
 * Disputes: a dispute holds the deposit like a refund (a wallet_reversals row); a dispute the
 * platform wins reinstates that reversal once (`wallet_reinstatements`, transfer kind REINSTATE):
 * EXTERNAL gives the amount back, the wallet gets what it gave, the platform what it bore.
 *
 * Payments side (owned by libs/api/payments): `payouts` (the request, its status and provider id)
 * and `payout_accounts` (a streamer's connected account at the provider).
 */
export class CreatePayouts1765420000000 implements MigrationInterface {
  name = 'CreatePayouts1765420000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check`);
    await db.query(
      `ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('WALLET', 'PLATFORM_FEES', 'EXTERNAL', 'PAYOUT_TRANSIT'))`,
    );
    await db.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_kind_check`);
    await db.query(
      `ALTER TABLE transfers ADD CONSTRAINT transfers_kind_check
         CHECK (kind IN ('TIP', 'CREDIT', 'REVERSAL', 'PAYOUT', 'PAYOUT_SETTLED', 'PAYOUT_RETURN', 'REINSTATE'))`,
    );
    await db.query(`
      CREATE TABLE wallet_payouts (
        reference          varchar(200) PRIMARY KEY,
        transfer_id        uuid NOT NULL UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        user_id            uuid NOT NULL REFERENCES users (id),
        amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
        currency           char(3) NOT NULL,
        outcome            varchar(8) CHECK (outcome IN ('PAID', 'RETURNED')),
        settled_transfer_id uuid UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        returned_transfer_id uuid UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        created_at         timestamptz NOT NULL,
        CHECK ((outcome = 'RETURNED') = (returned_transfer_id IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX wallet_payouts_by_user ON wallet_payouts (user_id, currency)`);

    // What a user may still pay out in a currency.
    await db.query(WITHDRAWABLE_V1);

    // Debits withdrawable money into PAYOUT_TRANSIT, once per reference. P0402: not withdrawable.
    await db.query(PAYOUT_DEBIT_V1);

    // Ends a payout: p_paid moves it from PAYOUT_TRANSIT to EXTERNAL; otherwise it returns to the
    // wallet (from EXTERNAL when it had been paid). Returns whether anything moved.
    await db.query(PAYOUT_SETTLE_V1);

    await db.query(`
      CREATE TABLE wallet_reinstatements (
        reversal_reference varchar(200) PRIMARY KEY REFERENCES wallet_reversals (reference),
        transfer_id        uuid NOT NULL UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        created_at         timestamptz NOT NULL
      )`);
    await db.query(REINSTATE_REVERSAL_V1);

    await db.query(`
      CREATE TABLE payout_accounts (
        user_id             uuid PRIMARY KEY REFERENCES users (id),
        provider            varchar(16) NOT NULL,
        provider_account_id varchar(255) NOT NULL UNIQUE,
        created_at          timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE payouts (
        id                   uuid PRIMARY KEY,
        user_id              uuid NOT NULL REFERENCES users (id),
        amount_cents         bigint NOT NULL CHECK (amount_cents > 0),
        currency             char(3) NOT NULL,
        status               varchar(16) NOT NULL DEFAULT 'PENDING'
                             CHECK (status IN ('PENDING', 'PAID', 'FAILED', 'CANCELED')),
        provider             varchar(16) NOT NULL,
        provider_transfer_id varchar(255) UNIQUE,
        idempotency_key      varchar(128) NOT NULL,
        created_at           timestamptz NOT NULL,
        updated_at           timestamptz NOT NULL,
        paid_at              timestamptz,
        UNIQUE (user_id, idempotency_key)
      )`);
    await db.query(`CREATE INDEX payouts_by_user ON payouts (user_id, created_at DESC)`);
    await db.query(`ALTER TABLE payment_events ADD COLUMN payout_id uuid REFERENCES payouts (id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE payment_events DROP COLUMN payout_id`);
    await db.query(`DROP TABLE payouts`);
    await db.query(`DROP TABLE payout_accounts`);
    await db.query(`DROP FUNCTION finserve_reinstate_reversal(uuid, varchar, timestamptz)`);
    await db.query(`DROP TABLE wallet_reinstatements`);
    await db.query(`DROP FUNCTION finserve_payout_settle(uuid, varchar, boolean, timestamptz)`);
    await db.query(
      `DROP FUNCTION finserve_payout_debit(uuid, varchar, uuid, bigint, char, timestamptz)`,
    );
    await db.query(`DROP FUNCTION finserve_withdrawable(uuid, char)`);
    await db.query(`DROP TABLE wallet_payouts`);
    await db.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_kind_check`);
    await db.query(
      `ALTER TABLE transfers ADD CONSTRAINT transfers_kind_check CHECK (kind IN ('TIP', 'CREDIT', 'REVERSAL'))`,
    );
    await db.query(`ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check`);
    await db.query(
      `ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('WALLET', 'PLATFORM_FEES', 'EXTERNAL'))`,
    );
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

import { REVERSE_CREDIT_V1 } from '@finserve/api/tips/ledger-sql';

/**
 * Money in: deposits through a payment provider (owned by libs/api/payments), the provider events
 * already handled (one row per event id, so a replayed or concurrent delivery acts once), and on
 * the ledger (owned by libs/api/tips) the reversal of a refunded deposit. A reversal takes from the
 * wallet only what is still there; the rest (money already tipped away) is the platform's loss,
 * booked on its PLATFORM_FEES account, so a wallet never goes negative and the books stay balanced.
 */
export class CreateDeposits1765300000000 implements MigrationInterface {
  name = 'CreateDeposits1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_kind_check`);
    await db.query(
      `ALTER TABLE transfers ADD CONSTRAINT transfers_kind_check CHECK (kind IN ('TIP', 'CREDIT', 'REVERSAL'))`,
    );
    await db.query(`
      CREATE TABLE wallet_reversals (
        reference          varchar(200) PRIMARY KEY,
        transfer_id        uuid NOT NULL UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        credit_reference   varchar(200) NOT NULL REFERENCES wallet_credits (reference),
        user_id            uuid NOT NULL REFERENCES users (id),
        amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
        from_wallet_cents  bigint NOT NULL CHECK (from_wallet_cents >= 0 AND from_wallet_cents <= amount_cents),
        currency           char(3) NOT NULL,
        created_at         timestamptz NOT NULL
      )`);
    // Reverses (part of) a credit: the provider takes p_amount back; the wallet gives what it still
    // holds of it, the platform the rest. One call per reference.
    await db.query(REVERSE_CREDIT_V1);

    await db.query(`
      CREATE TABLE deposits (
        id                  uuid PRIMARY KEY,
        user_id             uuid NOT NULL REFERENCES users (id),
        amount_cents        bigint NOT NULL CHECK (amount_cents > 0),
        currency            char(3) NOT NULL,
        status              varchar(16) NOT NULL DEFAULT 'PENDING'
                            CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'REFUNDED')),
        provider            varchar(16) NOT NULL,
        provider_session_id varchar(255) UNIQUE,
        provider_payment_id varchar(255),
        checkout_url        text,
        return_url          text,
        idempotency_key     varchar(128) NOT NULL,
        created_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        UNIQUE (user_id, idempotency_key)
      )`);
    await db.query(`CREATE INDEX deposits_by_user ON deposits (user_id, created_at DESC)`);
    await db.query(`CREATE INDEX deposits_by_payment ON deposits (provider_payment_id)`);
    await db.query(`
      CREATE TABLE payment_events (
        id          varchar(255) PRIMARY KEY,
        type        varchar(64) NOT NULL,
        deposit_id  uuid REFERENCES deposits (id),
        received_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE payment_events`);
    await db.query(`DROP TABLE deposits`);
    await db.query(
      `DROP FUNCTION finserve_reverse_credit(uuid, varchar, varchar, bigint, timestamptz)`,
    );
    await db.query(`DROP TABLE wallet_reversals`);
    await db.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_kind_check`);
    await db.query(
      `ALTER TABLE transfers ADD CONSTRAINT transfers_kind_check CHECK (kind IN ('TIP', 'CREDIT'))`,
    );
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

import {
  APPEND_ONLY_V1,
  CREDIT_WALLET_V1,
  LEDGER_ENTRIES_APPEND_ONLY_TRIGGER_V1,
  LEDGER_ENTRIES_BALANCED_TRIGGER_V1,
  SEND_TIP_V1,
  SYSTEM_ACCOUNT_V1,
  TRANSFER_BALANCED_V1,
  TRANSFERS_APPEND_ONLY_TRIGGER_V1,
  WALLET_V1,
} from '@finserve/api/tips/ledger-sql';

/**
 * Money: a double-entry ledger. Accounts (a wallet per user and currency, and per currency a
 * platform-fee account and an external account that payment-provider credits come from);
 * transfers whose append-only entries sum to zero (checked at commit); tips and wallet credits
 * describing transfers. A wallet's `balance_cents` is a cache of the sum of its entries, kept in
 * the same transaction and verified by `db.js verify`; it lets a debit be one atomic
 * `UPDATE ... WHERE balance_cents >= amount`, never negative under any concurrency.
 */
export class CreateLedgerAndTips1764300000000 implements MigrationInterface {
  name = 'CreateLedgerAndTips1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE accounts (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind          varchar(16) NOT NULL CHECK (kind IN ('WALLET', 'PLATFORM_FEES', 'EXTERNAL')),
        user_id       uuid REFERENCES users (id),
        currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        balance_cents bigint,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'WALLET') = (user_id IS NOT NULL)),
        CHECK ((kind = 'WALLET') = (balance_cents IS NOT NULL)),
        CHECK (balance_cents IS NULL OR balance_cents >= 0)
      )`);
    await db.query(
      `CREATE UNIQUE INDEX accounts_wallet ON accounts (user_id, currency) WHERE kind = 'WALLET'`,
    );
    await db.query(
      `CREATE UNIQUE INDEX accounts_system ON accounts (kind, currency) WHERE kind <> 'WALLET'`,
    );

    await db.query(`
      CREATE TABLE transfers (
        id         uuid PRIMARY KEY,
        kind       varchar(16) NOT NULL CHECK (kind IN ('TIP', 'CREDIT')),
        currency   char(3) NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE ledger_entries (
        id           bigserial PRIMARY KEY,
        transfer_id  uuid NOT NULL REFERENCES transfers (id),
        account_id   uuid NOT NULL REFERENCES accounts (id),
        amount_cents bigint NOT NULL CHECK (amount_cents <> 0),
        created_at   timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id)`);
    await db.query(`CREATE INDEX ledger_entries_by_transfer ON ledger_entries (transfer_id)`);

    // Append-only: history is never rewritten.
    await db.query(APPEND_ONLY_V1);
    await db.query(TRANSFERS_APPEND_ONLY_TRIGGER_V1);
    await db.query(LEDGER_ENTRIES_APPEND_ONLY_TRIGGER_V1);
    // Every transfer sums to zero, checked when the transaction commits.
    await db.query(TRANSFER_BALANCED_V1);
    await db.query(LEDGER_ENTRIES_BALANCED_TRIGGER_V1);

    await db.query(`
      CREATE TABLE tips (
        id                 uuid PRIMARY KEY REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        stream_id          uuid NOT NULL REFERENCES streams (id),
        from_user_id       uuid NOT NULL REFERENCES users (id),
        to_user_id         uuid NOT NULL REFERENCES users (id),
        amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
        currency           char(3) NOT NULL,
        platform_fee_cents bigint NOT NULL CHECK (platform_fee_cents >= 0),
        net_cents          bigint NOT NULL CHECK (net_cents >= 0),
        message            varchar(200),
        idempotency_key    varchar(128) NOT NULL,
        created_at         timestamptz NOT NULL,
        UNIQUE (from_user_id, idempotency_key),
        CHECK (platform_fee_cents + net_cents = amount_cents),
        CHECK (from_user_id <> to_user_id)
      )`);
    await db.query(`CREATE INDEX tips_by_stream ON tips (stream_id)`);
    await db.query(`CREATE INDEX tips_by_receiver ON tips (to_user_id, created_at DESC)`);
    await db.query(`CREATE INDEX tips_by_sender ON tips (from_user_id, created_at DESC)`);

    await db.query(`
      CREATE TABLE wallet_credits (
        reference    varchar(200) PRIMARY KEY,
        transfer_id  uuid NOT NULL UNIQUE REFERENCES transfers (id) DEFERRABLE INITIALLY DEFERRED,
        user_id      uuid NOT NULL REFERENCES users (id),
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        currency     char(3) NOT NULL,
        created_by   uuid NOT NULL REFERENCES users (id),
        created_at   timestamptz NOT NULL
      )`);

    await db.query(WALLET_V1);
    await db.query(SYSTEM_ACCOUNT_V1);

    // A whole tip in one statement, so the receiver's wallet row (hot when thousands tip one
    // streamer) is locked only from its UPDATE, the last step, to the end of this statement.
    // Errors: P0404 stream not found, P0409 stream not LIVE, P0403 own stream, P0402 funds.
    await db.query(SEND_TIP_V1);

    await db.query(CREDIT_WALLET_V1);

    await db.query(
      `ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_tip_fk FOREIGN KEY (tip_id) REFERENCES tips (id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_tip_fk`);
    await db.query(
      `DROP FUNCTION finserve_credit_wallet(uuid, varchar, uuid, bigint, char, uuid, timestamptz)`,
    );
    await db.query(
      `DROP FUNCTION finserve_send_tip(uuid, uuid, uuid, bigint, char, bigint, varchar, varchar, timestamptz)`,
    );
    await db.query(`DROP FUNCTION finserve_system_account(varchar, char)`);
    await db.query(`DROP FUNCTION finserve_wallet(uuid, char)`);
    await db.query(`DROP TABLE wallet_credits`);
    await db.query(`DROP TABLE tips`);
    await db.query(`DROP TABLE ledger_entries`);
    await db.query(`DROP TABLE transfers`);
    await db.query(`DROP FUNCTION finserve_transfer_balanced()`);
    await db.query(`DROP FUNCTION finserve_append_only()`);
    await db.query(`DROP TABLE accounts`);
  }
}

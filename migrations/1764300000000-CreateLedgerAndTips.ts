import type { MigrationInterface, QueryRunner } from 'typeorm';

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
    await db.query(`
      CREATE FUNCTION finserve_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`);
    await db.query(`CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
                    FOR EACH ROW EXECUTE FUNCTION finserve_append_only()`);
    await db.query(`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
                    FOR EACH ROW EXECUTE FUNCTION finserve_append_only()`);
    // Every transfer sums to zero, checked when the transaction commits.
    await db.query(`
      CREATE FUNCTION finserve_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT sum(amount_cents) FROM ledger_entries WHERE transfer_id = NEW.transfer_id) <> 0 THEN
          RAISE EXCEPTION 'transfer % does not sum to zero', NEW.transfer_id;
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finserve_transfer_balanced()`);

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

    await db.query(`
      CREATE FUNCTION finserve_wallet(p_user uuid, p_currency char(3)) RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE v uuid;
      BEGIN
        SELECT id INTO v FROM accounts WHERE kind = 'WALLET' AND user_id = p_user AND currency = p_currency;
        IF v IS NULL THEN
          INSERT INTO accounts (kind, user_id, currency, balance_cents) VALUES ('WALLET', p_user, p_currency, 0)
            ON CONFLICT DO NOTHING RETURNING id INTO v;
          IF v IS NULL THEN
            SELECT id INTO v FROM accounts WHERE kind = 'WALLET' AND user_id = p_user AND currency = p_currency;
          END IF;
        END IF;
        RETURN v;
      END $$`);
    await db.query(`
      CREATE FUNCTION finserve_system_account(p_kind varchar, p_currency char(3)) RETURNS uuid LANGUAGE plpgsql AS $$
      DECLARE v uuid;
      BEGIN
        SELECT id INTO v FROM accounts WHERE kind = p_kind AND currency = p_currency;
        IF v IS NULL THEN
          INSERT INTO accounts (kind, currency) VALUES (p_kind, p_currency) ON CONFLICT DO NOTHING RETURNING id INTO v;
          IF v IS NULL THEN
            SELECT id INTO v FROM accounts WHERE kind = p_kind AND currency = p_currency;
          END IF;
        END IF;
        RETURN v;
      END $$`);

    // A whole tip in one statement, so the receiver's wallet row (hot when thousands tip one
    // streamer) is locked only from its UPDATE, the last step, to the end of this statement.
    // Errors: P0404 stream not found, P0409 stream not LIVE, P0403 own stream, P0402 funds.
    await db.query(`
      CREATE FUNCTION finserve_send_tip(
        p_tip uuid, p_stream uuid, p_from uuid, p_amount bigint, p_currency char(3), p_fee bigint,
        p_message varchar, p_key varchar, p_now timestamptz
      ) RETURNS TABLE (tip_id uuid, created boolean) LANGUAGE plpgsql AS $$
      DECLARE
        v_to uuid; v_status varchar; v_sender uuid; v_receiver uuid; v_platform uuid; v_net bigint := p_amount - p_fee;
      BEGIN
        SELECT streamer_id, status INTO v_to, v_status FROM streams WHERE id = p_stream FOR SHARE;
        IF NOT FOUND THEN RAISE EXCEPTION 'stream not found' USING ERRCODE = 'P0404'; END IF;
        -- Claim the idempotency key; a concurrent call with the same key waits here for us.
        INSERT INTO tips (id, stream_id, from_user_id, to_user_id, amount_cents, currency, platform_fee_cents,
                          net_cents, message, idempotency_key, created_at)
        SELECT p_tip, p_stream, p_from, v_to, p_amount, p_currency, p_fee, v_net, p_message, p_key, p_now
         WHERE v_to <> p_from
        ON CONFLICT (from_user_id, idempotency_key) DO NOTHING;
        IF NOT FOUND THEN
          IF v_to = p_from THEN RAISE EXCEPTION 'own stream' USING ERRCODE = 'P0403'; END IF;
          RETURN QUERY SELECT t.id, false FROM tips t WHERE t.from_user_id = p_from AND t.idempotency_key = p_key;
          RETURN;
        END IF;
        IF v_status <> 'LIVE' THEN RAISE EXCEPTION 'stream not live' USING ERRCODE = 'P0409'; END IF;
        UPDATE accounts SET balance_cents = balance_cents - p_amount
         WHERE kind = 'WALLET' AND user_id = p_from AND currency = p_currency AND balance_cents >= p_amount
        RETURNING id INTO v_sender;
        IF v_sender IS NULL THEN RAISE EXCEPTION 'insufficient funds' USING ERRCODE = 'P0402'; END IF;
        v_receiver := finserve_wallet(v_to, p_currency);
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_tip, 'TIP', p_currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at) VALUES (p_tip, v_sender, -p_amount, p_now);
        IF p_fee > 0 THEN
          v_platform := finserve_system_account('PLATFORM_FEES', p_currency);
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at) VALUES (p_tip, v_platform, p_fee, p_now);
        END IF;
        IF v_net > 0 THEN
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at) VALUES (p_tip, v_receiver, v_net, p_now);
          UPDATE accounts SET balance_cents = balance_cents + v_net WHERE id = v_receiver;
        END IF;
        RETURN QUERY SELECT p_tip, true;
      END $$`);

    await db.query(`
      CREATE FUNCTION finserve_credit_wallet(
        p_transfer uuid, p_reference varchar, p_user uuid, p_amount bigint, p_currency char(3), p_by uuid, p_now timestamptz
      ) RETURNS TABLE (transfer_id uuid, created boolean) LANGUAGE plpgsql AS $$
      DECLARE v_wallet uuid; v_external uuid;
      BEGIN
        INSERT INTO wallet_credits (reference, transfer_id, user_id, amount_cents, currency, created_by, created_at)
        VALUES (p_reference, p_transfer, p_user, p_amount, p_currency, p_by, p_now)
        ON CONFLICT (reference) DO NOTHING;
        IF NOT FOUND THEN
          RETURN QUERY SELECT c.transfer_id, false FROM wallet_credits c WHERE c.reference = p_reference;
          RETURN;
        END IF;
        v_wallet := finserve_wallet(p_user, p_currency);
        v_external := finserve_system_account('EXTERNAL', p_currency);
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'CREDIT', p_currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
        VALUES (p_transfer, v_external, -p_amount, p_now), (p_transfer, v_wallet, p_amount, p_now);
        UPDATE accounts SET balance_cents = balance_cents + p_amount WHERE id = v_wallet;
        RETURN QUERY SELECT p_transfer, true;
      END $$`);

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

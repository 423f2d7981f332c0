/**
 * The ledger's database functions and triggers, as the SQL that installs them: code of the tips
 * lib (LedgerRepository calls the functions; TipsService maps their SQLSTATEs to domain errors),
 * installed by the migrations that import this file.
 *
 * Rules:
 * - This file imports nothing: migrations import it through its own path alias
 *   (`@finserve/api/tips/ledger-sql`), never the tips lib's Nest module graph.
 * - Each constant is one version, byte for byte the text its migration has always run (PostgreSQL
 *   keeps a function's body as written: changing even its indentation would change the schema a
 *   migration produces). To change a function, add the next version (`SEND_TIP_V2 = CREATE OR
 *   REPLACE ...`) and a migration that runs it; never edit a version a migration has shipped.
 */

/** SQLSTATEs finserve_send_tip raises (SEND_TIP_V1); TipsService maps them to domain errors. */
export const SEND_TIP_SQLSTATES = {
  streamNotFound: 'P0404',
  ownStream: 'P0403',
  streamNotLive: 'P0409',
  insufficientFunds: 'P0402',
} as const;

/** SQLSTATEs finserve_payout_debit raises (PAYOUT_DEBIT_V1). */
export const PAYOUT_DEBIT_SQLSTATES = {
  notWithdrawable: 'P0402',
} as const;

// ---- Installed by migrations/1764300000000-CreateLedgerAndTips.ts

/** Trigger function: refuses any UPDATE or DELETE (transfers and ledger entries are history). */
export const APPEND_ONLY_V1 = `
      CREATE FUNCTION finserve_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`;

/** `transfers` is append-only. */
export const TRANSFERS_APPEND_ONLY_TRIGGER_V1 = `CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
                    FOR EACH ROW EXECUTE FUNCTION finserve_append_only()`;

/** `ledger_entries` is append-only. */
export const LEDGER_ENTRIES_APPEND_ONLY_TRIGGER_V1 = `CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
                    FOR EACH ROW EXECUTE FUNCTION finserve_append_only()`;

/** Constraint trigger function: a transfer's entries sum to zero. */
export const TRANSFER_BALANCED_V1 = `
      CREATE FUNCTION finserve_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT sum(amount_cents) FROM ledger_entries WHERE transfer_id = NEW.transfer_id) <> 0 THEN
          RAISE EXCEPTION 'transfer % does not sum to zero', NEW.transfer_id;
        END IF;
        RETURN NULL;
      END $$`;

/** Every transfer sums to zero, checked when the transaction commits (deferred). */
export const LEDGER_ENTRIES_BALANCED_TRIGGER_V1 = `CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finserve_transfer_balanced()`;

/** The user's wallet in a currency, created (balance 0) on first use; its id. */
export const WALLET_V1 = `
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
      END $$`;

/** The platform's account of a kind (PLATFORM_FEES, EXTERNAL, ...) in a currency, created on first use; its id. */
export const SYSTEM_ACCOUNT_V1 = `
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
      END $$`;

/**
 * A whole tip in one statement, so the receiver's wallet row (hot when thousands tip one
 * streamer) is locked only from its UPDATE, the last step, to the end of this statement. Returns
 * (tip_id, created): the first tip's id and false when the sender's idempotency key was used.
 * Raises SEND_TIP_SQLSTATES.
 */
export const SEND_TIP_V1 = `
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
      END $$`;

/** Most tips in one finserve_send_tips call: each is a subtransaction, and PostgreSQL caches 64
 * subtransaction ids per backend before every snapshot of every session gets slower. */
export const SEND_TIPS_MAX_BATCH = 32;

/**
 * Group commit (installed by migrations/1765800000000-AddSendTipsBatch.ts): a batch of tips (a
 * JSON array of {id, stream, from, amount, currency, fee, message, key, at}) in one statement and
 * one transaction, each through finserve_send_tip exactly as alone, in its own subtransaction: a
 * tip that raises (insufficient funds, a deadlock) leaves no trace and the others go on. One row
 * per tip, in order: (idx, tip_id, created), or error_code with the SQLSTATE it raised. The hot
 * receiver's wallet row is then locked once per batch, and the batch commits (one WAL flush) once.
 */
export const SEND_TIPS_V1 = `
      CREATE FUNCTION finserve_send_tips(p_tips jsonb)
      RETURNS TABLE (idx int, tip_id uuid, created boolean, error_code text) LANGUAGE plpgsql AS $$
      DECLARE v jsonb; v_i int := 0; v_row record;
      BEGIN
        FOR v IN SELECT value FROM jsonb_array_elements(p_tips) LOOP
          idx := v_i; tip_id := NULL; created := false; error_code := NULL;
          BEGIN
            SELECT * INTO v_row FROM finserve_send_tip(
              (v->>'id')::uuid, (v->>'stream')::uuid, (v->>'from')::uuid, (v->>'amount')::bigint,
              (v->>'currency')::char(3), (v->>'fee')::bigint, v->>'message', v->>'key',
              (v->>'at')::timestamptz);
            tip_id := v_row.tip_id; created := v_row.created;
          EXCEPTION WHEN OTHERS THEN
            error_code := SQLSTATE;
          END;
          RETURN NEXT;
          v_i := v_i + 1;
        END LOOP;
      END $$`;

/**
 * Credits a wallet from EXTERNAL (a payment provider's money), once per reference; returns
 * (transfer_id, created).
 */
export const CREDIT_WALLET_V1 = `
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
      END $$`;

// ---- Installed by migrations/1765300000000-CreateDeposits.ts

/**
 * Reverses (part of) a credit: the provider takes p_amount back; the wallet gives what it still
 * holds of it, the platform (PLATFORM_FEES) the rest, so a wallet never goes negative. One call
 * per reference; returns (transfer_id, created). P0404: no such credit.
 */
export const REVERSE_CREDIT_V1 = `
      CREATE FUNCTION finserve_reverse_credit(
        p_transfer uuid, p_reference varchar, p_credit varchar, p_amount bigint, p_now timestamptz
      ) RETURNS TABLE (transfer_id uuid, created boolean) LANGUAGE plpgsql AS $$
      DECLARE v_user uuid; v_currency char(3); v_wallet uuid; v_balance bigint; v_take bigint;
      BEGIN
        SELECT c.user_id, c.currency INTO v_user, v_currency FROM wallet_credits c WHERE c.reference = p_credit;
        IF NOT FOUND THEN RAISE EXCEPTION 'credit not found' USING ERRCODE = 'P0404'; END IF;
        v_wallet := finserve_wallet(v_user, v_currency);
        SELECT balance_cents INTO v_balance FROM accounts WHERE id = v_wallet FOR UPDATE;
        v_take := LEAST(v_balance, p_amount);
        INSERT INTO wallet_reversals (reference, transfer_id, credit_reference, user_id, amount_cents, from_wallet_cents, currency, created_at)
        VALUES (p_reference, p_transfer, p_credit, v_user, p_amount, v_take, v_currency, p_now)
        ON CONFLICT (reference) DO NOTHING;
        IF NOT FOUND THEN
          RETURN QUERY SELECT r.transfer_id, false FROM wallet_reversals r WHERE r.reference = p_reference;
          RETURN;
        END IF;
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'REVERSAL', v_currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
        VALUES (p_transfer, finserve_system_account('EXTERNAL', v_currency), p_amount, p_now);
        IF v_take > 0 THEN
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at) VALUES (p_transfer, v_wallet, -v_take, p_now);
          UPDATE accounts SET balance_cents = balance_cents - v_take WHERE id = v_wallet;
        END IF;
        IF p_amount > v_take THEN
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
          VALUES (p_transfer, finserve_system_account('PLATFORM_FEES', v_currency), -(p_amount - v_take), p_now);
        END IF;
        RETURN QUERY SELECT p_transfer, true;
      END $$`;

// ---- Installed by migrations/1765420000000-CreatePayouts.ts

/**
 * What a user may still pay out in a currency: tips received (net) minus payouts not returned,
 * never more than the balance (deposited money is spent first and is never withdrawable).
 */
export const WITHDRAWABLE_V1 = `
      CREATE FUNCTION finserve_withdrawable(p_user uuid, p_currency char(3)) RETURNS bigint LANGUAGE sql STABLE AS $$
        SELECT GREATEST(0, LEAST(
          COALESCE((SELECT balance_cents FROM accounts WHERE kind = 'WALLET' AND user_id = p_user AND currency = p_currency), 0),
          COALESCE((SELECT sum(net_cents) FROM tips WHERE to_user_id = p_user AND currency = p_currency), 0)
          - COALESCE((SELECT sum(amount_cents) FROM wallet_payouts
                       WHERE user_id = p_user AND currency = p_currency AND outcome IS DISTINCT FROM 'RETURNED'), 0)
        ))::bigint
      $$`;

/**
 * Debits withdrawable money from the wallet into PAYOUT_TRANSIT, once per reference; returns
 * (transfer_id, created). Raises PAYOUT_DEBIT_SQLSTATES.
 */
export const PAYOUT_DEBIT_V1 = `
      CREATE FUNCTION finserve_payout_debit(
        p_transfer uuid, p_reference varchar, p_user uuid, p_amount bigint, p_currency char(3), p_now timestamptz
      ) RETURNS TABLE (transfer_id uuid, created boolean) LANGUAGE plpgsql AS $$
      DECLARE v_wallet uuid;
      BEGIN
        v_wallet := finserve_wallet(p_user, p_currency);
        -- The wallet row lock serialises the withdrawable check with every other movement.
        PERFORM 1 FROM accounts WHERE id = v_wallet FOR UPDATE;
        IF EXISTS (SELECT 1 FROM wallet_payouts WHERE reference = p_reference) THEN
          RETURN QUERY SELECT w.transfer_id, false FROM wallet_payouts w WHERE w.reference = p_reference;
          RETURN;
        END IF;
        IF finserve_withdrawable(p_user, p_currency) < p_amount THEN
          RAISE EXCEPTION 'not withdrawable' USING ERRCODE = 'P0402';
        END IF;
        INSERT INTO wallet_payouts (reference, transfer_id, user_id, amount_cents, currency, created_at)
        VALUES (p_reference, p_transfer, p_user, p_amount, p_currency, p_now);
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'PAYOUT', p_currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
        VALUES (p_transfer, v_wallet, -p_amount, p_now),
               (p_transfer, finserve_system_account('PAYOUT_TRANSIT', p_currency), p_amount, p_now);
        UPDATE accounts SET balance_cents = balance_cents - p_amount WHERE id = v_wallet;
        RETURN QUERY SELECT p_transfer, true;
      END $$`;

/**
 * Ends a payout: p_paid moves it from PAYOUT_TRANSIT to EXTERNAL; otherwise it returns to the
 * wallet (from EXTERNAL when it had been paid). Returns whether anything moved. P0404: no such
 * payout.
 */
export const PAYOUT_SETTLE_V1 = `
      CREATE FUNCTION finserve_payout_settle(p_transfer uuid, p_reference varchar, p_paid boolean, p_now timestamptz)
      RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE v wallet_payouts%ROWTYPE; v_wallet uuid; v_from uuid;
      BEGIN
        SELECT * INTO v FROM wallet_payouts WHERE reference = p_reference FOR UPDATE;
        IF NOT FOUND THEN RAISE EXCEPTION 'payout not found' USING ERRCODE = 'P0404'; END IF;
        IF v.outcome = 'RETURNED' OR (p_paid AND v.outcome = 'PAID') THEN RETURN false; END IF;
        IF p_paid THEN
          INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'PAYOUT_SETTLED', v.currency, p_now);
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
          VALUES (p_transfer, finserve_system_account('PAYOUT_TRANSIT', v.currency), -v.amount_cents, p_now),
                 (p_transfer, finserve_system_account('EXTERNAL', v.currency), v.amount_cents, p_now);
          UPDATE wallet_payouts SET outcome = 'PAID', settled_transfer_id = p_transfer WHERE reference = p_reference;
          RETURN true;
        END IF;
        v_from := finserve_system_account(CASE WHEN v.outcome = 'PAID' THEN 'EXTERNAL' ELSE 'PAYOUT_TRANSIT' END, v.currency);
        v_wallet := finserve_wallet(v.user_id, v.currency);
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'PAYOUT_RETURN', v.currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
        VALUES (p_transfer, v_from, -v.amount_cents, p_now), (p_transfer, v_wallet, v.amount_cents, p_now);
        UPDATE accounts SET balance_cents = balance_cents + v.amount_cents WHERE id = v_wallet;
        UPDATE wallet_payouts SET outcome = 'RETURNED', returned_transfer_id = p_transfer WHERE reference = p_reference;
        RETURN true;
      END $$`;

/**
 * Gives back what a reversal took (a dispute the platform won), once: EXTERNAL gives the amount
 * back, the wallet gets what it gave, the platform what it bore. Returns whether anything moved.
 */
export const REINSTATE_REVERSAL_V1 = `
      CREATE FUNCTION finserve_reinstate_reversal(p_transfer uuid, p_reversal varchar, p_now timestamptz)
      RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE r wallet_reversals%ROWTYPE; v_wallet uuid;
      BEGIN
        SELECT * INTO r FROM wallet_reversals WHERE reference = p_reversal;
        IF NOT FOUND THEN RETURN false; END IF; -- nothing was held
        INSERT INTO wallet_reinstatements (reversal_reference, transfer_id, created_at)
        VALUES (p_reversal, p_transfer, p_now) ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN RETURN false; END IF;
        INSERT INTO transfers (id, kind, currency, created_at) VALUES (p_transfer, 'REINSTATE', r.currency, p_now);
        INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
        VALUES (p_transfer, finserve_system_account('EXTERNAL', r.currency), -r.amount_cents, p_now);
        IF r.from_wallet_cents > 0 THEN
          v_wallet := finserve_wallet(r.user_id, r.currency);
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
          VALUES (p_transfer, v_wallet, r.from_wallet_cents, p_now);
          UPDATE accounts SET balance_cents = balance_cents + r.from_wallet_cents WHERE id = v_wallet;
        END IF;
        IF r.amount_cents > r.from_wallet_cents THEN
          INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, created_at)
          VALUES (p_transfer, finserve_system_account('PLATFORM_FEES', r.currency), r.amount_cents - r.from_wallet_cents, p_now);
        END IF;
        RETURN true;
      END $$`;

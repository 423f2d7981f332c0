import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { UsersService } from '@finserve/api/auth';
import { ChatService, type ChatMessageRecord } from '@finserve/api/chat';
import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  RATE_LIMITER,
  RateLimitedError,
  type AuthUser,
  type EventBus,
  type RateLimiter,
} from '@finserve/api/core';
import { ErrorCode, formatMoney, platformFeeCents } from '@finserve/shared';

import { GroupCommit, type BatchOutcome } from './group-commit';
import {
  PAYOUT_DEBIT_SQLSTATES,
  SEND_TIP_SQLSTATES,
  SEND_TIPS_MAX_BATCH,
} from './ledger-functions';
import { LedgerRepository } from './ledger.repository';
import {
  TipDirection,
  type CreditWalletInput,
  type SendTipInput,
  type TipRecord,
  type WalletModel,
} from './tip.model';
import { TipsRepository, type MoneyTotal, type TipFigures } from './tips.repository';

export const tipChannel = (streamId: string): string => `tips.${streamId}`;

/** What the SQLSTATEs finserve_send_tip raises mean to a caller (see ledger-functions.ts). */
const TIP_ERRORS: Record<string, () => DomainError> = {
  [SEND_TIP_SQLSTATES.streamNotFound]: () => new NotFoundError('Stream'),
  [SEND_TIP_SQLSTATES.streamNotLive]: () =>
    new ConflictError('Tips are accepted only while the stream is LIVE'),
  [SEND_TIP_SQLSTATES.ownStream]: () => new ForbiddenError('You cannot tip your own stream'),
  [SEND_TIP_SQLSTATES.insufficientFunds]: () =>
    new DomainError(ErrorCode.INSUFFICIENT_FUNDS, 'Insufficient funds'),
};

/** SQLSTATEs after which a tip that failed alone in its batch goes again. */
const RETRY_SQLSTATES = new Set(['40P01', '40001']);
const RETRY = Symbol('retry');

/** A SQLSTATE a tip raised in its batch, as the error its sender gets. */
function tipError(code: string): Error {
  const domain = TIP_ERRORS[code];
  if (domain) return domain();
  const error = new Error(`tip failed with SQLSTATE ${code}`);
  (error as Error & { sqlstate?: string }).sqlstate = code;
  return error;
}

/**
 * A deadlock or serialization failure, of this tip alone (in its subtransaction) or of its whole
 * batch (rolled back: nothing of it was written): RETRY; any other error is thrown.
 */
function retryable(error: unknown): typeof RETRY {
  const failed = error as { sqlstate?: string; driverError?: { code?: string } };
  const code = failed.sqlstate ?? failed.driverError?.code;
  if (code && RETRY_SQLSTATES.has(code)) return RETRY;
  throw error;
}

/** A tip its batch moved (or the first tip of its idempotency key), with its new chat line. */
interface MovedTip {
  tip: TipRecord;
  /** Only for a new tip: absent when the idempotency key was used before. */
  chatMessage?: ChatMessageRecord;
}

/** A tip waiting for its batch. */
interface PendingTip {
  user: AuthUser;
  input: SendTipInput;
  fee: number;
  at: Date;
}

/** A JSON-safe tip for the event bus. */
export type TipEvent = Omit<TipRecord, 'createdAt'> & { createdAt: string };

@Injectable()
export class TipsService {
  private readonly logger = new Logger(TipsService.name);
  private readonly sentListeners: Array<(tip: TipRecord) => Promise<void>> = [];

  /**
   * In-process hook on each new tip, run once by the instance that took it, after it committed
   * (the social lib notifies the streamer). A failing listener is logged.
   */
  onSent(listener: (tip: TipRecord) => Promise<void>): void {
    this.sentListeners.push(listener);
  }

  /**
   * Tips into one stream are moved in batches (group commit): one transaction and one WAL flush
   * for all the tips that arrived while the previous batch of that stream was committing, the
   * streamer's wallet row locked once per batch instead of once per tip in a queue of
   * transactions. Each tip keeps its own idempotency key, ledger entries and answer.
   */
  private readonly batches = new GroupCommit<PendingTip, MovedTip>(
    (streamId, tips) => this.moveTips(streamId, tips),
    SEND_TIPS_MAX_BATCH,
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly chat: ChatService,
    private readonly users: UsersService,
    private readonly tips: TipsRepository,
    private readonly ledger: LedgerRepository,
    @Inject(PUB_SUB) private readonly bus: EventBus,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  /** Per stream that has tips: count, gross and net per currency. */
  figuresByStream(streamIds: readonly string[]): Promise<Map<string, TipFigures>> {
    return this.tips.figuresByStream(streamIds);
  }

  /** Platform-wide gross tips and fees per currency. */
  platformTotals(): Promise<{ gross: MoneyTotal[]; fees: MoneyTotal[] }> {
    return this.tips.platformTotals();
  }

  /** Gross tips received per streamer and currency. */
  grossByStreamer(streamerIds: readonly string[]): Promise<Map<string, MoneyTotal[]>> {
    return this.tips.grossByStreamer(streamerIds);
  }

  /**
   * The money and the TIP chat line move in the stream's next batch (see `batches`,
   * finserve_send_tips), one transaction; after it committed, the chat line and the tipReceived
   * event go out. A repeated idempotency key returns the first tip.
   */
  async send(user: AuthUser, input: SendTipInput): Promise<TipRecord> {
    const { TIP_MIN_CENTS: min, TIP_MAX_CENTS: max, CURRENCIES, PLATFORM_FEE_BPS } = this.config;
    if (input.amountCents < min || input.amountCents > max) {
      throw new BadUserInputError(`amountCents must be between ${min} and ${max}`);
    }
    if (!CURRENCIES.includes(input.currency)) {
      throw new BadUserInputError(`currency must be one of ${CURRENCIES.join(', ')}`);
    }
    const existing = await this.findByKey(user.id, input.idempotencyKey);
    if (existing) return this.sameRequestOrConflict(existing, input);

    const perMinute = this.config.TIP_RATE_LIMIT_PER_MINUTE;
    const rate = await this.limiter.consume(`tip:${user.id}`, {
      capacity: perMinute,
      refillPerSecond: perMinute / 60,
    });
    if (!rate.allowed)
      throw new RateLimitedError(
        rate.retryAfterSeconds,
        `You can send ${perMinute} tips per minute`,
      );

    const fee = platformFeeCents(input.amountCents, PLATFORM_FEE_BPS);
    const pending: PendingTip = { user, input, fee, at: this.clock.now() };
    let result = await this.batches.submit(input.streamId, pending).catch(retryable);
    // A deadlock between two batches (senders tipping two hot streams at once) failed this tip
    // or its batch, which left no trace: it goes again in a later batch.
    for (let retry = 0; result === RETRY && retry < 3; retry++) {
      result = await this.batches.submit(input.streamId, pending).catch(retryable);
    }
    if (result === RETRY) throw new Error('tip not moved: repeated deadlocks');
    const { tip, chatMessage } = result;
    if (!chatMessage) return this.sameRequestOrConflict(tip, input);

    await this.chat.announce(chatMessage);
    await this.bus.publish(tipChannel(tip.streamId), {
      ...tip,
      createdAt: tip.createdAt.toISOString(),
    } satisfies TipEvent);
    for (const listener of this.sentListeners) {
      await listener(tip).catch((error: unknown) =>
        this.logger.warn(
          `tip listener failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
    return tip;
  }

  /**
   * One batch of tips into a stream, in one transaction: the chat rules of each tip's message
   * (under the chat lock, so a refused message moves nothing and an accepted one cannot be
   * overtaken by a ban), the money of the accepted ones in one statement (finserve_send_tips),
   * each in its own subtransaction, then the chat lines of the new tips in one statement. One
   * outcome per tip.
   */
  private moveTips(streamId: string, tips: PendingTip[]): Promise<BatchOutcome<MovedTip>[]> {
    return this.dataSource.transaction(async (manager) => {
      // The chat lock first, as every chat write takes it (then the stream, then the wallets).
      await this.chat.lockChat(manager, streamId);
      const outcomes = new Array<BatchOutcome<MovedTip>>(tips.length);
      const accepted: number[] = [];
      for (const [index, tip] of tips.entries()) {
        if (tip.input.message) {
          try {
            await this.chat.assertMayPost(manager, tip.user, streamId, tip.input.message, tip.at);
          } catch (error) {
            // A domain refusal is this tip's answer; anything else (the database) fails the batch.
            if (!(error instanceof DomainError)) throw error;
            outcomes[index] = { ok: false, error };
            continue;
          }
        }
        accepted.push(index);
      }
      if (!accepted.length) return outcomes;
      const answers = await this.ledger.sendTips(
        manager,
        accepted.map((index) => {
          const { user, input, fee, at } = tips[index];
          return {
            streamId,
            fromUserId: user.id,
            amountCents: input.amountCents,
            currency: input.currency,
            feeCents: fee,
            message: input.message || null,
            idempotencyKey: input.idempotencyKey,
            at,
          };
        }),
      );
      const moved = answers.flatMap((answer) => ('errorCode' in answer ? [] : [answer.tipId]));
      const records = new Map(
        (await this.tips.findByIds(moved, manager)).map((record) => [record.id, record]),
      );
      // The chat line of each new tip, in the same transaction: a tip and its line commit together.
      const fresh = answers.flatMap((answer, k) =>
        'errorCode' in answer || !answer.created ? [] : [{ answer, pending: tips[accepted[k]] }],
      );
      const lines = await this.chat.insertTips(
        manager,
        streamId,
        fresh.map(({ answer, pending }) => {
          const record = records.get(answer.tipId);
          if (!record) throw new Error(`tip ${answer.tipId} not found in its own transaction`);
          const money = formatMoney(record.amountCents, record.currency);
          return {
            fromUserId: record.fromUserId,
            tipId: record.id,
            body: `${pending.user.username} tipped ${money}${record.message ? `: ${record.message}` : ''}`,
          };
        }),
      );
      const lineOf = new Map(lines.map((line) => [line.tipId, line]));
      answers.forEach((answer, k) => {
        const index = accepted[k];
        if ('errorCode' in answer) {
          outcomes[index] = { ok: false, error: tipError(answer.errorCode) };
          return;
        }
        const tip = records.get(answer.tipId);
        outcomes[index] = tip
          ? {
              ok: true,
              value: { tip, chatMessage: answer.created ? lineOf.get(tip.id) : undefined },
            }
          : { ok: false, error: new Error(`tip ${answer.tipId} not found in its own transaction`) };
      });
      return outcomes;
    });
  }

  /** Admins: a payment provider's confirmation; one credit per reference. */
  async credit(admin: AuthUser, input: CreditWalletInput): Promise<WalletModel> {
    if (!this.config.CURRENCIES.includes(input.currency)) {
      throw new BadUserInputError(`currency must be one of ${this.config.CURRENCIES.join(', ')}`);
    }
    if (!(await this.users.findById(input.userId))) throw new NotFoundError('User');
    const result = await this.ledger.creditWallet(this.dataSource.manager, {
      reference: input.reference,
      userId: input.userId,
      amountCents: input.amountCents,
      currency: input.currency,
      createdBy: admin.id,
      at: this.clock.now(),
    });
    if (!result.created) {
      const first = await this.ledger.creditOf(input.reference);
      if (
        !first ||
        first.userId !== input.userId ||
        first.amountCents !== input.amountCents ||
        first.currency !== input.currency
      ) {
        throw new ConflictError('This reference was already used for a different credit');
      }
    }
    return this.wallet(input.userId, input.currency);
  }

  /**
   * A payment provider's confirmed payment, inside the caller's transaction: one wallet_credits
   * entry per reference (a repeated reference credits nothing). The user is its creator.
   */
  async creditFromProvider(
    manager: EntityManager,
    credit: { reference: string; userId: string; amountCents: number; currency: string },
  ): Promise<{ created: boolean }> {
    return this.ledger.creditWallet(manager, {
      ...credit,
      createdBy: credit.userId,
      at: this.clock.now(),
    });
  }

  /**
   * Reverses (part of) a provider credit, inside the caller's transaction, once per reference:
   * the wallet gives back what it still holds (never going negative), the platform bears the rest
   * (money already tipped away). Returns the cents taken from the wallet.
   */
  async reverseProviderCredit(
    manager: EntityManager,
    reversal: { reference: string; creditReference: string; amountCents: number },
  ): Promise<{ created: boolean; fromWalletCents: number }> {
    return this.ledger.reverseCredit(manager, { ...reversal, at: this.clock.now() });
  }

  /**
   * Gives back what a reversal took (a dispute the platform won), once, inside the caller's
   * transaction: the wallet gets what it gave, the platform what it bore. False when there was
   * no such reversal or it was reinstated already.
   */
  async reinstateReversal(manager: EntityManager, reversalReference: string): Promise<boolean> {
    return this.ledger.reinstateReversal(manager, reversalReference, this.clock.now());
  }

  /** How much of a provider credit is reversed now (reinstated reversals not counted). */
  async reversedCents(manager: EntityManager, creditReference: string): Promise<number> {
    return this.ledger.reversedCents(manager, creditReference);
  }

  /** A wallet per accepted currency (0 where none exists yet), then any other holding. */
  async wallets(userId: string): Promise<WalletModel[]> {
    const held = await this.ledger.walletBalances(userId);
    const currencies = [...new Set([...this.config.CURRENCIES, ...held.keys()])];
    const out = await this.ledger.withdrawableIn(userId, currencies);
    return currencies.map((currency) => ({
      currency,
      balanceCents: held.get(currency) ?? 0,
      withdrawableCents: out.get(currency) ?? 0,
    }));
  }

  async wallet(userId: string, currency: string): Promise<WalletModel> {
    return (
      (await this.wallets(userId)).find((w) => w.currency === currency) ?? {
        currency,
        balanceCents: 0,
        withdrawableCents: 0,
      }
    );
  }

  /** What the user may pay out now in a currency (see finserve_withdrawable). */
  async withdrawable(manager: EntityManager, userId: string, currency: string): Promise<number> {
    return this.ledger.withdrawable(manager, userId, currency);
  }

  /**
   * A payout's debit, inside the caller's transaction: withdrawable money moves from the wallet
   * into PAYOUT_TRANSIT, once per reference. INSUFFICIENT_FUNDS when not that much is withdrawable.
   */
  async debitForPayout(
    manager: EntityManager,
    payout: { reference: string; userId: string; amountCents: number; currency: string },
  ): Promise<{ created: boolean }> {
    try {
      return await this.ledger.debitForPayout(manager, { ...payout, at: this.clock.now() });
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code === PAYOUT_DEBIT_SQLSTATES.notWithdrawable) {
        throw new DomainError(
          ErrorCode.INSUFFICIENT_FUNDS,
          'Only money earned from tips can be paid out, and not more than that',
        );
      }
      throw error;
    }
  }

  /**
   * Ends a payout, inside the caller's transaction: paid moves it from PAYOUT_TRANSIT to EXTERNAL;
   * failed returns it to the wallet (withdrawable again). Returns whether anything moved.
   */
  async settlePayout(manager: EntityManager, reference: string, paid: boolean): Promise<boolean> {
    return this.ledger.settlePayout(manager, reference, paid, this.clock.now());
  }

  async list(
    userId: string,
    direction: TipDirection,
    limit: number,
    offset: number,
  ): Promise<TipRecord[]> {
    const column = direction === TipDirection.SENT ? 'from_user_id' : 'to_user_id';
    return this.tips.listByUser(column, userId, limit, offset);
  }

  async findById(id: string): Promise<TipRecord | null> {
    return this.tips.findById(id);
  }

  async findByIds(ids: readonly string[]): Promise<TipRecord[]> {
    return this.tips.findByIds(ids);
  }

  private async findByKey(userId: string, key: string): Promise<TipRecord | null> {
    return this.tips.findByKey(userId, key);
  }

  private sameRequestOrConflict(tip: TipRecord, input: SendTipInput): TipRecord {
    const same =
      tip.streamId === input.streamId &&
      tip.amountCents === input.amountCents &&
      tip.currency === input.currency &&
      (tip.message ?? null) === (input.message || null);
    if (!same) throw new ConflictError('This idempotency key was already used for a different tip');
    return tip;
  }
}

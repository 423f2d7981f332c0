import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ChatService } from '@finserve/api/chat';
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

import {
  TipDirection,
  type CreditWalletInput,
  type SendTipInput,
  type TipRecord,
  type WalletModel,
} from './tip.model';

export const tipChannel = (streamId: string): string => `tips.${streamId}`;

interface TipRow {
  id: string;
  stream_id: string;
  from_user_id: string;
  to_user_id: string;
  amount_cents: string;
  currency: string;
  platform_fee_cents: string;
  net_cents: string;
  message: string | null;
  idempotency_key: string;
  created_at: Date;
}

const TIP_COLUMNS =
  'id, stream_id, from_user_id, to_user_id, amount_cents, currency, platform_fee_cents, net_cents, message, idempotency_key, created_at';

export function toTip(row: TipRow): TipRecord {
  return {
    id: row.id,
    streamId: row.stream_id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency.trim(),
    platformFeeCents: Number(row.platform_fee_cents),
    netCents: Number(row.net_cents),
    message: row.message,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
  };
}

/** SQLSTATEs raised by finserve_send_tip (see the ledger migration). */
const TIP_ERRORS: Record<string, () => DomainError> = {
  P0404: () => new NotFoundError('Stream'),
  P0409: () => new ConflictError('Tips are accepted only while the stream is LIVE'),
  P0403: () => new ForbiddenError('You cannot tip your own stream'),
  P0402: () => new DomainError(ErrorCode.INSUFFICIENT_FUNDS, 'Insufficient funds'),
};

/** A JSON-safe tip for the event bus. */
export type TipEvent = Omit<TipRecord, 'createdAt'> & { createdAt: string };

@Injectable()
export class TipsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly chat: ChatService,
    @Inject(PUB_SUB) private readonly bus: EventBus,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  /**
   * One database statement moves the money (see finserve_send_tip); after it committed, the TIP
   * chat message and the tipReceived event. A repeated idempotency key returns the first tip.
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
    let result: { tip_id: string; created: boolean };
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const now = this.clock.now();
        // A message goes into the chat: it obeys the chat's rules (ban, timeout, blocked terms),
        // checked under the chat lock in the transaction that moves the money, so a refused
        // message moves nothing and an accepted one cannot be overtaken by a ban.
        if (input.message) {
          await this.chat.assertMayPost(manager, user, input.streamId, input.message, now);
        }
        const [row] = await manager.query<{ tip_id: string; created: boolean }[]>(
          'SELECT * FROM finserve_send_tip($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [
            randomUUID(),
            input.streamId,
            user.id,
            input.amountCents,
            input.currency,
            fee,
            input.message || null,
            input.idempotencyKey,
            now,
          ],
        );
        return row;
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      const domain = code ? TIP_ERRORS[code] : undefined;
      throw domain ? domain() : error;
    }
    const tip = await this.findById(result.tip_id);
    if (!tip) throw new Error(`tip ${result.tip_id} vanished`);
    if (!result.created) return this.sameRequestOrConflict(tip, input);

    const body = `${user.username} tipped ${formatMoney(tip.amountCents, tip.currency)}${tip.message ? `: ${tip.message}` : ''}`;
    await this.chat.postTip(tip.streamId, tip.fromUserId, tip.id, body);
    await this.bus.publish(tipChannel(tip.streamId), {
      ...tip,
      createdAt: tip.createdAt.toISOString(),
    } satisfies TipEvent);
    return tip;
  }

  /** Admins: a payment provider's confirmation; one credit per reference. */
  async credit(admin: AuthUser, input: CreditWalletInput): Promise<WalletModel> {
    if (!this.config.CURRENCIES.includes(input.currency)) {
      throw new BadUserInputError(`currency must be one of ${this.config.CURRENCIES.join(', ')}`);
    }
    const [user] = await this.dataSource.query<unknown[]>('SELECT 1 FROM users WHERE id = $1', [
      input.userId,
    ]);
    if (!user) throw new NotFoundError('User');
    const [result] = await this.dataSource.query<{ transfer_id: string; created: boolean }[]>(
      'SELECT * FROM finserve_credit_wallet($1, $2, $3, $4, $5, $6, $7)',
      [
        randomUUID(),
        input.reference,
        input.userId,
        input.amountCents,
        input.currency,
        admin.id,
        this.clock.now(),
      ],
    );
    if (!result.created) {
      const [first] = await this.dataSource.query<
        { user_id: string; amount_cents: string; currency: string }[]
      >('SELECT user_id, amount_cents, currency FROM wallet_credits WHERE reference = $1', [
        input.reference,
      ]);
      if (
        first.user_id !== input.userId ||
        Number(first.amount_cents) !== input.amountCents ||
        first.currency.trim() !== input.currency
      ) {
        throw new ConflictError('This reference was already used for a different credit');
      }
    }
    return this.wallet(input.userId, input.currency);
  }

  /** A wallet per accepted currency (0 where none exists yet), then any other holding. */
  async wallets(userId: string): Promise<WalletModel[]> {
    const rows = await this.dataSource.query<{ currency: string; balance_cents: string }[]>(
      `SELECT currency, balance_cents FROM accounts WHERE kind = 'WALLET' AND user_id = $1 ORDER BY currency`,
      [userId],
    );
    const held = new Map(rows.map((row) => [row.currency.trim(), Number(row.balance_cents)]));
    const currencies = [...new Set([...this.config.CURRENCIES, ...held.keys()])];
    return currencies.map((currency) => ({ currency, balanceCents: held.get(currency) ?? 0 }));
  }

  async wallet(userId: string, currency: string): Promise<WalletModel> {
    return (
      (await this.wallets(userId)).find((w) => w.currency === currency) ?? {
        currency,
        balanceCents: 0,
      }
    );
  }

  async list(
    userId: string,
    direction: TipDirection,
    limit: number,
    offset: number,
  ): Promise<TipRecord[]> {
    const column = direction === TipDirection.SENT ? 'from_user_id' : 'to_user_id';
    const rows = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE ${column} = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    );
    return rows.map(toTip);
  }

  async findById(id: string): Promise<TipRecord | null> {
    const [row] = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE id = $1`,
      [id],
    );
    return row ? toTip(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<TipRecord[]> {
    const rows = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toTip);
  }

  private async findByKey(userId: string, key: string): Promise<TipRecord | null> {
    const [row] = await this.dataSource.query<TipRow[]>(
      `SELECT ${TIP_COLUMNS} FROM tips WHERE from_user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return row ? toTip(row) : null;
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

import { Inject, Injectable } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';

import { UserLoader, UserModel } from '@finserve/api/auth';
import { ChatMessageModel, ChatService } from '@finserve/api/chat';
import {
  byKeys,
  channelSubscription,
  ContextLoader,
  CurrentUser,
  IntRangePipe,
  NotFoundError,
  PUB_SUB,
  Public,
  RequireScope,
  Roles,
  SessionOnly,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
} from '@finserve/api/core';
import { Role } from '@finserve/shared';

import {
  CreditWalletInput,
  SendTipInput,
  TipDirection,
  TipModel,
  WalletModel,
  type TipRecord,
} from './tip.model';
import { tipChannel, TipsService, type TipEvent } from './tips.service';

/** Batches Tip lookups of one operation (e.g. every ChatMessage.tip of a history page). */
@Injectable()
export class TipLoader extends ContextLoader<string, TipRecord | null> {
  constructor(tips: TipsService) {
    super(async (ids) => byKeys(ids, await tips.findByIds(ids), (tip) => tip.id));
  }
}

@Resolver(() => TipModel)
export class TipsResolver {
  constructor(
    private readonly tips: TipsService,
    private readonly users: UserLoader,
    private readonly chat: ChatService,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @SessionOnly()
  @Mutation(() => TipModel, {
    description:
      'Needs a LIVE stream of someone else and enough balance (else INSUFFICIENT_FUNDS). Debits the sender, credits the streamer the net and the platform the fee, in one transaction; posts a TIP chat message. Default limit: 10 tips per minute per user.',
  })
  sendTip(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => SendTipInput }) input: SendTipInput,
  ): Promise<TipRecord> {
    return this.tips.send(user, input);
  }

  @Roles(Role.ADMIN)
  @SessionOnly()
  @Mutation(() => WalletModel, {
    description: "Admins only: stands in for a payment provider's confirmation.",
  })
  creditWallet(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreditWalletInput }) input: CreditWalletInput,
  ): Promise<WalletModel> {
    return this.tips.credit(user, input);
  }

  @RequireScope('wallet:read')
  @Query(() => [WalletModel], {
    description: "The signed-in user's wallets, one per accepted currency.",
  })
  myWallets(@CurrentUser() user: AuthUser): Promise<WalletModel[]> {
    return this.tips.wallets(user.id);
  }

  @RequireScope('tips:read')
  @Query(() => [TipModel], {
    description: 'Tips the signed-in user received (default) or sent, newest first.',
  })
  myTips(
    @CurrentUser() user: AuthUser,
    @Args('direction', {
      type: () => TipDirection,
      nullable: true,
      defaultValue: TipDirection.RECEIVED,
    })
    direction: TipDirection,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 50 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<TipRecord[]> {
    return this.tips.list(user.id, direction, limit, offset);
  }

  @Public()
  @Subscription(() => TipModel, {
    resolve: (tip: TipRecord) => tip,
    description: 'Each tip the stream receives.',
  })
  async tipReceived(
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<AsyncIterableIterator<TipRecord>> {
    await this.chat.assertStreamExists(streamId);
    return channelSubscription<TipEvent, TipRecord>({
      bus: this.bus,
      channel: tipChannel(streamId),
      map: (event) => ({ ...event, createdAt: new Date(event.createdAt) }),
    });
  }

  @ResolveField(() => UserModel)
  from(@Parent() tip: TipRecord, @Context() context: GraphQLContext): Promise<UserModel> {
    return this.user(tip.fromUserId, context);
  }

  @ResolveField(() => UserModel)
  to(@Parent() tip: TipRecord, @Context() context: GraphQLContext): Promise<UserModel> {
    return this.user(tip.toUserId, context);
  }

  private async user(id: string, context: GraphQLContext): Promise<UserModel> {
    const user = await this.users.for(context).load(id);
    if (!user) throw new NotFoundError('User');
    return user;
  }
}

@Resolver(() => ChatMessageModel)
export class ChatMessageTipResolver {
  constructor(private readonly tips: TipLoader) {}

  @ResolveField(() => TipModel, {
    nullable: true,
    description: 'The tip this message announces, for type TIP.',
  })
  tip(
    @Parent() message: { tipId: string | null },
    @Context() context: GraphQLContext,
  ): Promise<TipRecord | null> | null {
    return message.tipId ? this.tips.for(context).load(message.tipId) : null;
  }
}

import { Inject } from '@nestjs/common';
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
import {
  channelSubscription,
  CurrentUser,
  IntRangePipe,
  NotFoundError,
  NumericIdPipe,
  PUB_SUB,
  Public,
  RequireScope,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
} from '@finserve/api/core';
import { CHAT_REACTIONS } from '@finserve/shared';

import { ChatModerationService } from './chat-moderation.service';
import {
  ChatMessageModel,
  ChatModerationActionModel,
  ChatSettingsModel,
  type ChatMessageRecord,
} from './chat.model';
import { chatChannel, ChatService } from './chat.service';
import {
  BlockedTermsArgs,
  ChatMessagesArgs,
  ChatReplayArgs,
  SlowModeArgs,
  StreamUserArgs,
  TimeoutArgs,
} from './dto/chat.args';

type ChatMessageView = ChatMessageModel & { authorId: string | null; tipId: string | null };

const toView = (record: ChatMessageRecord): ChatMessageView => ({
  ...record,
  createdAt: new Date(record.createdAt),
});

@Resolver(() => ChatMessageModel)
export class ChatResolver {
  constructor(
    private readonly chat: ChatService,
    private readonly moderation: ChatModerationService,
    private readonly users: UserLoader,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @Public()
  @Query(() => [ChatMessageModel], {
    description:
      'Without after: the newest `limit` messages. With after: up to `limit` messages that follow it. Oldest first in both cases.',
  })
  async chatMessages(
    @Args() { streamId, after, limit }: ChatMessagesArgs,
  ): Promise<ChatMessageView[]> {
    return (await this.chat.history(streamId, after, limit)).map(toView);
  }

  @Public()
  @Query(() => [ChatMessageModel], {
    description:
      "A stream's chat as it happened, for its replay: messages sent in [from, to) (either end open), after `after` (paging), oldest first, at most `limit` (1..500, default 200). Removed messages are left out.",
  })
  async chatReplay(
    @Args() { streamId, from, to, after, limit }: ChatReplayArgs,
  ): Promise<ChatMessageView[]> {
    return (await this.chat.replay(streamId, { from, to, after }, limit)).map(toView);
  }

  @Public()
  @Query(() => [String], {
    description: 'The quick reactions clients offer (each is sent as an EMOJI message).',
  })
  chatReactions(): string[] {
    return [...CHAT_REACTIONS];
  }

  @RequireScope('chat:write')
  @Mutation(() => ChatMessageModel, {
    description:
      'Body 1..500 chars after trim. Needs a LIVE stream. Default limit: 3 messages per second per user.',
  })
  async sendChatMessage(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @Args('body', { type: () => String }) body: string,
  ): Promise<ChatMessageView> {
    return toView(await this.chat.send(user, streamId, body));
  }

  @Public()
  @Subscription(() => ChatMessageModel, {
    resolve: (message: ChatMessageView) => message,
    description:
      'Each new message of the stream, and a message again when its state changes (deleted).',
  })
  async chatMessage(
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<AsyncIterableIterator<ChatMessageView>> {
    await this.chat.assertStreamExists(streamId);
    return channelSubscription<ChatMessageRecord, ChatMessageView>({
      bus: this.bus,
      channel: chatChannel(streamId),
      map: toView,
    });
  }

  // ---- moderation: the stream's streamer or an admin ----

  @RequireScope('chat:moderate')
  @Mutation(() => ChatMessageModel, {
    description:
      'Moderators: removes a message (re-published with deleted: true; history keeps its place, not its body).',
  })
  async deleteChatMessage(
    @CurrentUser() user: AuthUser,
    @Args('messageId', { type: () => ID }, NumericIdPipe) messageId: string,
  ): Promise<ChatMessageView> {
    return toView(await this.moderation.deleteMessage(user, messageId));
  }

  @RequireScope('chat:moderate')
  @Mutation(() => ChatModerationActionModel, {
    description: 'Moderators: the user cannot chat for `seconds`.',
  })
  timeoutChatUser(
    @CurrentUser() user: AuthUser,
    @Args() args: TimeoutArgs,
  ): Promise<ChatModerationActionModel> {
    return this.moderation.timeout(user, args.streamId, args.userId, args.seconds);
  }

  @RequireScope('chat:moderate')
  @Mutation(() => ChatModerationActionModel, {
    description: 'Moderators: the user cannot chat on this stream until unbanned.',
  })
  banChatUser(
    @CurrentUser() user: AuthUser,
    @Args() args: StreamUserArgs,
  ): Promise<ChatModerationActionModel> {
    return this.moderation.ban(user, args.streamId, args.userId);
  }

  @RequireScope('chat:moderate')
  @Mutation(() => ChatModerationActionModel, {
    description: 'Moderators: lifts a ban or a timeout.',
  })
  unbanChatUser(
    @CurrentUser() user: AuthUser,
    @Args() args: StreamUserArgs,
  ): Promise<ChatModerationActionModel> {
    return this.moderation.unban(user, args.streamId, args.userId);
  }

  @RequireScope('chat:moderate')
  @Mutation(() => ChatSettingsModel, {
    description: 'Moderators: one message per user per `seconds` (0: off).',
  })
  setChatSlowMode(
    @CurrentUser() user: AuthUser,
    @Args() args: SlowModeArgs,
  ): Promise<ChatSettingsModel> {
    return this.moderation.setSlowMode(user, args.streamId, args.seconds);
  }

  @RequireScope('chat:moderate')
  @Mutation(() => ChatSettingsModel, {
    description: 'Moderators: replaces the list of blocked terms.',
  })
  setChatBlockedTerms(
    @CurrentUser() user: AuthUser,
    @Args() args: BlockedTermsArgs,
  ): Promise<ChatSettingsModel> {
    return this.moderation.setBlockedTerms(user, args.streamId, args.terms);
  }

  @RequireScope('chat:moderate')
  @Query(() => ChatSettingsModel, { description: "Moderators: the stream's chat settings." })
  chatSettings(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<ChatSettingsModel> {
    return this.moderation.settings(user, streamId);
  }

  @RequireScope('chat:moderate')
  @Query(() => [ChatModerationActionModel], {
    description: 'Moderators: who did what, newest first.',
  })
  chatModerationLog(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 50 }, new IntRangePipe(1, 200))
    limit: number,
  ): Promise<ChatModerationActionModel[]> {
    return this.moderation.moderationLog(user, streamId, limit);
  }

  @ResolveField(() => UserModel, {
    nullable: true,
    description: 'Null for system messages (ALERT).',
  })
  author(
    @Parent() message: ChatMessageView,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> | null {
    return message.authorId ? this.users.for(context).load(message.authorId) : null;
  }
}

@Resolver(() => ChatModerationActionModel)
export class ChatModerationActionResolver {
  constructor(private readonly users: UserLoader) {}

  @ResolveField(() => UserModel)
  async moderator(
    @Parent() action: ChatModerationActionModel,
    @Context() context: GraphQLContext,
  ): Promise<UserModel> {
    const user = await this.users.for(context).load(action.moderatorId);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  @ResolveField(() => UserModel, { nullable: true })
  targetUser(
    @Parent() action: ChatModerationActionModel,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> | null {
    return action.targetUserId ? this.users.for(context).load(action.targetUserId) : null;
  }
}

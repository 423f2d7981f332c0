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

import { UserLoader, UserModel, UsersService } from '@finserve/api/auth';
import {
  AppConfig,
  BadUserInputError,
  byKeys,
  channelSubscription,
  ContextLoader,
  CurrentUser,
  IntRangePipe,
  NotFoundError,
  OptionalUuidPipe,
  PUB_SUB,
  Public,
  RATE_LIMITER,
  RateLimitedError,
  RequireScope,
  SessionOnly,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
  type RateLimiter,
} from '@finserve/api/core';
import { ClipModel, ClipsService } from '@finserve/api/signaling';
import { StreamModel, StreamsService, type StreamEntity } from '@finserve/api/streams';
import { TipLoader, TipModel, type TipRecord } from '@finserve/api/tips';

import { FollowsService } from './follows.service';
import { NotificationFanoutService } from './notification-fanout.service';
import {
  fromNotificationEvent,
  notificationChannel,
  NotificationsService,
} from './notifications.service';
import {
  NotificationModel,
  WebPushSubscriptionInput,
  type NotificationEvent,
  type NotificationRecord,
} from './social.models';
import { WebPushService } from './web-push.service';

/** Batches User.followerCount of one operation into one query. */
@Injectable()
export class FollowerCountLoader extends ContextLoader<string, number> {
  constructor(follows: FollowsService) {
    super(async (ids) => {
      const counts = await follows.followerCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    });
  }
}

/** Batches the streams notifications are about. */
@Injectable()
export class NotificationStreamLoader extends ContextLoader<string, StreamEntity | null> {
  constructor(streams: StreamsService) {
    super(async (ids) => byKeys(ids, await streams.findByIds(ids), (stream) => stream.id));
  }
}

/** Batches the clips notifications are about. */
@Injectable()
export class NotificationClipLoader extends ContextLoader<string, ClipModel | null> {
  constructor(clips: ClipsService) {
    super(async (ids) => byKeys(ids, await clips.byIds(ids), (clip) => clip.id));
  }
}

@Resolver(() => UserModel)
export class FollowsResolver {
  constructor(
    private readonly follows: FollowsService,
    private readonly users: UsersService,
    private readonly streams: StreamsService,
    private readonly counts: FollowerCountLoader,
    private readonly fanout: NotificationFanoutService,
    private readonly config: AppConfig,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  @ResolveField(() => Int)
  followerCount(@Parent() user: UserModel, @Context() context: GraphQLContext): Promise<number> {
    return this.counts.for(context).load(user.id);
  }

  @SessionOnly()
  @Mutation(() => UserModel, {
    description: 'Following yourself is BAD_USER_INPUT; following twice changes nothing.',
  })
  async follow(
    @CurrentUser() user: AuthUser,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<UserModel> {
    if (userId === user.id)
      throw new BadUserInputError('You cannot follow yourself', { field: 'userId' });
    const followee = await this.userOrNotFound(userId);
    await this.limit(user);
    if (await this.follows.follow(user.id, followee.id))
      await this.fanout.followed(user.id, followee.id);
    return followee;
  }

  @SessionOnly()
  @Mutation(() => UserModel)
  async unfollow(
    @CurrentUser() user: AuthUser,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<UserModel> {
    const followee = await this.userOrNotFound(userId);
    await this.limit(user);
    await this.follows.unfollow(user.id, followee.id);
    return followee;
  }

  @Public()
  @RequireScope('profile:read')
  @Query(() => Boolean, {
    description: 'Whether the signed-in user follows that user; false when anonymous.',
  })
  isFollowing(
    @CurrentUser() user: AuthUser | null,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<boolean> {
    return user ? this.follows.isFollowing(user.id, userId) : Promise.resolve(false);
  }

  @RequireScope('profile:read')
  @Query(() => [UserModel], {
    description: 'Users the signed-in user follows: LIVE ones first, then by display name.',
  })
  async myFollowing(
    @CurrentUser() user: AuthUser,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 50 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<UserModel[]> {
    const ids = await this.follows.followeeIds(user.id);
    const [users, live] = await Promise.all([this.users.findByIds(ids), this.streams.liveOf(ids)]);
    const liveIds = new Set(live.map((stream) => stream.streamerId));
    return users
      .sort(
        (a, b) =>
          Number(liveIds.has(b.id)) - Number(liveIds.has(a.id)) ||
          a.displayName.localeCompare(b.displayName, undefined, { sensitivity: 'base' }) ||
          a.id.localeCompare(b.id),
      )
      .slice(offset, offset + limit);
  }

  @RequireScope('profile:read')
  @Query(() => [StreamModel], {
    description: 'LIVE streams of the channels the signed-in user follows, most viewers first.',
  })
  async followedLiveStreams(
    @CurrentUser() user: AuthUser,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 24 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<StreamEntity[]> {
    const live = await this.streams.liveOf(await this.follows.followeeIds(user.id));
    return live.slice(offset, offset + limit);
  }

  private async userOrNotFound(id: string): Promise<UserModel> {
    const [found] = await this.users.findByIds([id]);
    if (!found) throw new NotFoundError('User');
    return found;
  }

  private async limit(user: AuthUser): Promise<void> {
    const perMinute = this.config.FOLLOW_RATE_LIMIT_PER_MINUTE;
    const rate = await this.limiter.consume(`follow:${user.id}`, {
      capacity: perMinute,
      refillPerSecond: perMinute / 60,
    });
    if (!rate.allowed)
      throw new RateLimitedError(
        rate.retryAfterSeconds,
        `You can follow or unfollow ${perMinute} times per minute`,
      );
  }
}

/** What following adds to a stream: the followers its channel gained while it was live. */
@Resolver(() => StreamModel)
export class StreamFollowsResolver {
  constructor(private readonly follows: FollowsService) {}

  @ResolveField(() => Int, {
    description:
      "Users who followed the streamer between the stream's start and its end (now while LIVE) and still follow; 0 before it started.",
  })
  newFollowerCount(@Parent() stream: StreamModel): Promise<number> {
    if (!stream.startedAt) return Promise.resolve(0);
    return this.follows.followersGained(
      stream.streamerId,
      stream.startedAt,
      stream.endedAt ?? new Date(),
    );
  }
}

@Resolver(() => NotificationModel)
export class NotificationsResolver {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly push: WebPushService,
    private readonly users: UserLoader,
    private readonly streams: NotificationStreamLoader,
    private readonly tips: TipLoader,
    private readonly clips: NotificationClipLoader,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @RequireScope('notifications:read')
  @Query(() => [NotificationModel], {
    description:
      "The signed-in user's notifications, newest first; before: page back from that id.",
  })
  myNotifications(
    @CurrentUser() user: AuthUser,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 50 }, new IntRangePipe(1, 100))
    limit: number,
    @Args('before', { type: () => ID, nullable: true }, OptionalUuidPipe)
    before: string | undefined,
  ): Promise<NotificationRecord[]> {
    return this.notifications.list(user.id, limit, before ?? null);
  }

  @RequireScope('notifications:read')
  @Query(() => Int)
  unreadNotificationCount(@CurrentUser() user: AuthUser): Promise<number> {
    return this.notifications.unreadCount(user.id);
  }

  @RequireScope('notifications:read')
  @Mutation(() => Int, {
    description:
      "Marks the caller's notifications read, up to and including upTo (all when omitted); returns the unread count left.",
  })
  markNotificationsRead(
    @CurrentUser() user: AuthUser,
    @Args('upTo', { type: () => ID, nullable: true }, OptionalUuidPipe) upTo: string | undefined,
  ): Promise<number> {
    return this.notifications.markRead(user.id, upTo ?? null);
  }

  @RequireScope('notifications:read')
  @Subscription(() => NotificationModel, {
    resolve: (notification: NotificationRecord) => notification,
    description:
      "The signed-in user's new notifications as they happen; UNAUTHENTICATED when anonymous.",
  })
  notificationReceived(@CurrentUser() user: AuthUser): AsyncIterableIterator<NotificationRecord> {
    return channelSubscription<NotificationEvent, NotificationRecord>({
      bus: this.bus,
      channel: notificationChannel(user.id),
      map: fromNotificationEvent,
    });
  }

  @Public()
  @Query(() => String, {
    description: 'The VAPID public key (base64url) for PushManager.subscribe.',
  })
  async webPushPublicKey(): Promise<string> {
    return (await this.push.vapidKeys()).publicKey;
  }

  @SessionOnly()
  @Mutation(() => Boolean, {
    description:
      'Go-live notifications of followed channels reach this browser through Web Push (RFC 8030, VAPID), the site closed or not.',
  })
  async registerWebPush(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => WebPushSubscriptionInput }) input: WebPushSubscriptionInput,
  ): Promise<boolean> {
    await this.push.register(user.id, input);
    return true;
  }

  @SessionOnly()
  @Mutation(() => Boolean)
  unregisterWebPush(
    @CurrentUser() user: AuthUser,
    @Args('endpoint', { type: () => String }) endpoint: string,
  ): Promise<boolean> {
    return this.push.unregister(user.id, endpoint);
  }

  @ResolveField(() => UserModel, {
    nullable: true,
    description: 'Who caused it: the streamer, follower, tipper or clipper.',
  })
  actor(
    @Parent() n: NotificationRecord,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> | null {
    return n.actorId ? this.users.for(context).load(n.actorId) : null;
  }

  @ResolveField(() => StreamModel, { nullable: true })
  stream(
    @Parent() n: NotificationRecord,
    @Context() context: GraphQLContext,
  ): Promise<StreamEntity | null> | null {
    return n.streamId ? this.streams.for(context).load(n.streamId) : null;
  }

  @ResolveField(() => TipModel, { nullable: true })
  tip(
    @Parent() n: NotificationRecord,
    @Context() context: GraphQLContext,
  ): Promise<TipRecord | null> | null {
    return n.tipId ? this.tips.for(context).load(n.tipId) : null;
  }

  @ResolveField(() => ClipModel, { nullable: true })
  clip(
    @Parent() n: NotificationRecord,
    @Context() context: GraphQLContext,
  ): Promise<ClipModel | null> | null {
    return n.clipId ? this.clips.for(context).load(n.clipId) : null;
  }
}

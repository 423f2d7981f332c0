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

import { UserLoader, UserModel, UsersService } from '@finserve/api/auth';
import {
  channelSubscription,
  Clock,
  CurrentUser,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  Public,
  RequireScope,
  subscriptionIterator,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
} from '@finserve/api/core';
import { streamDurationSeconds, StreamStatus } from '@finserve/shared';

import { CategoriesService, type Category } from './categories.service';
import { CategoryModel } from './category.model';
import { CreateStreamInput, UpdateStreamInput } from './dto/create-stream.input';
import {
  LiveStreamsArgs,
  RecentReplaysArgs,
  SearchStreamsArgs,
  UpcomingStreamsArgs,
  UserStreamsArgs,
} from './dto/streams.args';
import {
  fromStreamEvent,
  LIVE_STREAMS_CHANNEL,
  streamChannel,
  type StreamEvent,
} from './stream-events';
import type { StreamEntity } from './stream.entity';
import { StreamModel } from './stream.model';
import { StreamerPresenceService } from './streamer-presence.service';
import { StreamsService } from './streams.service';
import { thumbnailUrl } from './thumbnails.service';

const identity = <T>(payload: T): T => payload;

@Resolver(() => StreamModel)
export class StreamsResolver {
  constructor(
    private readonly streams: StreamsService,
    private readonly presence: StreamerPresenceService,
    private readonly users: UserLoader,
    private readonly usersService: UsersService,
    private readonly categories: CategoriesService,
    private readonly clock: Clock,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @Public()
  @Query(() => StreamModel, { nullable: true })
  stream(@Args('id', { type: () => ID }, UuidPipe) id: string): Promise<StreamEntity | null> {
    return this.streams.findById(id);
  }

  @Public()
  @Query(() => [StreamModel], { description: 'LIVE streams, most viewers first.' })
  liveStreams(@Args() { limit, offset, category }: LiveStreamsArgs): Promise<StreamEntity[]> {
    return this.streams.live(limit, offset, category);
  }

  @Public()
  @Query(() => [StreamModel], {
    description:
      'Past broadcasts of every channel (ENDED streams), most recently ended first; with category, only its streams.',
  })
  recentReplays(@Args() { limit, offset, category }: RecentReplaysArgs): Promise<StreamEntity[]> {
    return this.streams.recentlyEnded(limit, offset, category);
  }

  @Public()
  @Query(() => [CategoryModel], {
    name: 'categories',
    description: 'Every category, most viewers first.',
  })
  categoryList(): Promise<CategoryModel[]> {
    return this.categories.withLiveCounts();
  }

  @Public()
  @Query(() => [StreamModel], {
    description:
      'Streams whose title, description, tags, category or streamer match the words (case- and accent-insensitive): LIVE, then SCHEDULED, then ENDED; best match first within each.',
  })
  async searchStreams(
    @Args() { query, status, limit, offset }: SearchStreamsArgs,
  ): Promise<StreamEntity[]> {
    const channels = await this.usersService.matchNames(query);
    return this.streams.search(query, { status, limit, offset, channels });
  }

  @Public()
  @Query(() => [StreamModel], {
    description:
      'SCHEDULED streams, soonest scheduledFor first (streams without one after those with one, newest created first).',
  })
  upcomingStreams(@Args() { limit, offset }: UpcomingStreamsArgs): Promise<StreamEntity[]> {
    return this.streams.upcoming(limit, offset);
  }

  @Public()
  @Query(() => [StreamModel], { description: "A user's streams, newest first." })
  userStreams(@Args() { userId, limit, offset }: UserStreamsArgs): Promise<StreamEntity[]> {
    return this.streams.byStreamer(userId, limit, offset);
  }

  @RequireScope('streams:write')
  @Mutation(() => StreamModel, {
    description: 'A streamer has at most one LIVE stream at a time (else CONFLICT).',
  })
  createStream(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreateStreamInput }) input: CreateStreamInput,
  ): Promise<StreamEntity> {
    return this.streams.create(user, input);
  }

  @RequireScope('streams:write')
  @Mutation(() => StreamModel, {
    description:
      "Only the stream's streamer. Changes to a LIVE stream reach its watchers at once. Only the fields given change; null clears description, categorySlug and tags.",
  })
  updateStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @Args('input', { type: () => UpdateStreamInput }) input: UpdateStreamInput,
  ): Promise<StreamEntity> {
    return this.streams.update(user, streamId, input);
  }

  @RequireScope('streams:write')
  @Mutation(() => Boolean, {
    description: 'Only the streamer, only a SCHEDULED stream: it is deleted and leaves every list.',
  })
  cancelScheduledStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<boolean> {
    return this.streams.cancelScheduled(user, streamId);
  }

  @RequireScope('streams:write')
  @Mutation(() => StreamModel, { description: "Only the stream's streamer; SCHEDULED -> LIVE." })
  startStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<StreamEntity> {
    return this.streams.start(user, streamId);
  }

  @RequireScope('streams:write')
  @Mutation(() => StreamModel, {
    description:
      "Only the stream's streamer or an admin; LIVE -> ENDED. Viewers' subscriptions get the ENDED state, then complete.",
  })
  endStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<StreamEntity> {
    return this.streams.end(user, streamId);
  }

  @Public()
  @Subscription(() => StreamModel, {
    resolve: identity,
    description:
      'A stream that went live, ended, or changed viewer count (coalesced as above): for the list view.',
  })
  liveStreamsChanged(): AsyncIterableIterator<StreamEntity> {
    return channelSubscription<StreamEvent, StreamEntity>({
      bus: this.bus,
      channel: LIVE_STREAMS_CHANNEL,
      map: fromStreamEvent,
    });
  }

  @RequireScope('streams:write')
  @Subscription(() => StreamModel, {
    resolve: identity,
    description:
      "The streamer's broadcast console: while this subscription lasts the streamer counts as present (a LIVE stream whose console has been gone for the grace period is ended). Yields the stream now and on every change, like watchStream, and completes after ENDED.",
  })
  async broadcastStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<AsyncIterableIterator<StreamEntity>> {
    const source = this.bus.asyncIterableIterator<StreamEvent>(streamChannel(streamId));
    const stream = await this.streams.findById(streamId);
    if (!stream) {
      await source.return?.();
      throw new NotFoundError('Stream');
    }
    if (stream.streamerId !== user.id) {
      await source.return?.();
      throw new ForbiddenError('Only the streamer can run the broadcast console of this stream');
    }
    const ended = stream.status === StreamStatus.ENDED;
    if (!ended) await this.presence.consoleConnected(streamId);
    return subscriptionIterator<StreamEvent, StreamEntity>({
      initial: [stream],
      source,
      map: fromStreamEvent,
      last: (s) => s.status === StreamStatus.ENDED,
      onClose: ended ? undefined : () => this.presence.consoleDisconnected(streamId),
    });
  }

  @ResolveField(() => UserModel)
  async streamer(
    @Parent() stream: StreamEntity,
    @Context() context: GraphQLContext,
  ): Promise<UserModel> {
    const user = await this.users.for(context).load(stream.streamerId);
    if (!user) throw new NotFoundError('Streamer');
    return user;
  }

  @ResolveField(() => CategoryModel, { nullable: true })
  category(@Parent() stream: StreamEntity): Promise<Category | null> {
    // Its counts, when asked, come from CategoryResolver (batched per operation).
    return this.categories.find(stream.categorySlug);
  }

  @ResolveField(() => Int, {
    description:
      'Seconds live: up to now while LIVE, endedAt - startedAt once ENDED, 0 before start.',
  })
  durationSeconds(@Parent() stream: StreamEntity): number {
    return streamDurationSeconds(stream, this.clock.now());
  }

  @ResolveField(() => String, {
    nullable: true,
    description:
      "URL of the latest frame the streamer's console uploaded while live, with a version query string that changes on each upload (/thumbnails/<id>.jpg?v=<epoch ms>); null when none.",
  })
  thumbnailUrl(@Parent() stream: StreamEntity): string | null {
    return thumbnailUrl(stream);
  }
}

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
  Clock,
  CurrentUser,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  Public,
  subscriptionIterator,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
} from '@finserve/api/core';
import { streamDurationSeconds, StreamStatus } from '@finserve/shared';

import { CreateStreamInput } from './dto/create-stream.input';
import { LiveStreamsArgs, UpcomingStreamsArgs, UserStreamsArgs } from './dto/streams.args';
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
  liveStreams(@Args() { limit, offset }: LiveStreamsArgs): Promise<StreamEntity[]> {
    return this.streams.live(limit, offset);
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

  @Mutation(() => StreamModel, {
    description: 'A streamer has at most one LIVE stream at a time (else CONFLICT).',
  })
  createStream(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreateStreamInput }) input: CreateStreamInput,
  ): Promise<StreamEntity> {
    return this.streams.create(user, input);
  }

  @Mutation(() => StreamModel, { description: "Only the stream's streamer; SCHEDULED -> LIVE." })
  startStream(
    @CurrentUser() user: AuthUser,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
  ): Promise<StreamEntity> {
    return this.streams.start(user, streamId);
  }

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

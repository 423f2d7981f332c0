import { Inject } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Int,
  Parent,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';

import {
  CurrentUser,
  NotFoundError,
  PUB_SUB,
  Public,
  subscriptionIterator,
  UuidPipe,
  type AuthUser,
  type EventBus,
  type GraphQLContext,
} from '@finserve/api/core';
import {
  fromStreamEvent,
  streamChannel,
  StreamEntity,
  StreamModel,
  StreamsService,
  type StreamEvent,
} from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { ViewersService, type Viewer } from './viewers.service';

@Resolver(() => StreamModel)
export class ViewersResolver {
  constructor(
    private readonly viewers: ViewersService,
    private readonly streams: StreamsService,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @Public()
  @Subscription(() => StreamModel, {
    resolve: (stream: StreamEntity) => stream,
    description:
      'While this subscription lasts, the subscriber counts as a viewer of the stream. Yields the stream now, then on every change of status or viewer count (viewer-count changes may be coalesced to one update per second, the latest state always arriving). Completes after the ENDED state.',
  })
  async watchStream(
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @CurrentUser() user: AuthUser | null,
    @Context() context: GraphQLContext,
  ): Promise<AsyncIterableIterator<StreamEntity>> {
    // Subscribe before reading the state, so no change between the two is missed.
    const source = this.bus.asyncIterableIterator<StreamEvent>(streamChannel(streamId));
    const stream = await this.streams.findById(streamId);
    if (!stream) {
      await source.return?.();
      throw new NotFoundError('Stream');
    }
    const viewer = this.viewerOf(stream, user, context);
    let latest = stream;
    let joined = false;
    const joinIfLive = async (current: StreamEntity) => {
      if (viewer && !joined && current.status === StreamStatus.LIVE) {
        joined = true;
        await this.viewers.join(current, viewer);
      }
    };
    await joinIfLive(stream);
    return subscriptionIterator<StreamEvent, StreamEntity>({
      initial: [stream],
      source,
      map: async (event) => {
        latest = fromStreamEvent(event);
        await joinIfLive(latest);
        return latest;
      },
      last: (current) => current.status === StreamStatus.ENDED,
      onClose: () =>
        joined && viewer
          ? this.viewers.leave(
              streamId,
              viewer.key,
              latest.status === StreamStatus.ENDED ? latest.endedAt : null,
            )
          : undefined,
    });
  }

  @ResolveField(() => Int, {
    description:
      'Distinct viewers watching now: signed-in users count once however many tabs; the streamer is not counted.',
  })
  viewerCount(@Parent() stream: StreamEntity): number {
    return stream.status === StreamStatus.LIVE
      ? this.viewers.count(stream.id, stream.viewerCount)
      : 0;
  }

  /** Never below the live count (the stored peak is raised asynchronously, once per second). */
  @ResolveField(() => Int)
  peakViewers(@Parent() stream: StreamEntity): number {
    return Math.max(stream.peakViewers, this.viewerCount(stream));
  }

  /** The streamer is never a viewer; a user counts once; an anonymous viewer once per connection. */
  private viewerOf(
    stream: StreamEntity,
    user: AuthUser | null,
    context: GraphQLContext,
  ): Viewer | null {
    if (user)
      return user.id === stream.streamerId ? null : { userId: user.id, key: `user:${user.id}` };
    return { userId: null, key: `conn:${context.connection?.id ?? 'unknown'}` };
  }
}

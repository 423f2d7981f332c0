import { Injectable } from '@nestjs/common';
import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';

import { UserModel } from '@finserve/api/auth';
import { byKeys, ContextLoader, type GraphQLContext } from '@finserve/api/core';
import { StreamStatus } from '@finserve/shared';

import { PageArgs } from './dto/streams.args';
import type { StreamEntity } from './stream.entity';
import { StreamModel } from './stream.model';
import { StreamsService } from './streams.service';

/** Each user's LIVE stream, batched per operation (a list of channels asks for one each). */
@Injectable()
export class LiveStreamByStreamerLoader extends ContextLoader<string, StreamEntity | null> {
  constructor(streams: StreamsService) {
    super(async (ids) => byKeys(ids, await streams.liveOf(ids), (stream) => stream.streamerId));
  }
}

/** A page of a channel's streams in one status; the key: status, paging and the user's id. */
interface PageKey {
  status: StreamStatus.ENDED | StreamStatus.SCHEDULED;
  limit: number;
  offset: number;
  userId: string;
}

/** User.pastStreams / scheduledStreams of a list of users in one query per paging. */
@Injectable()
export class StreamPageLoader extends ContextLoader<string, StreamEntity[]> {
  constructor(streams: StreamsService) {
    super(async (keys) => {
      const parsed = keys.map((key) => JSON.parse(key) as PageKey);
      const groups = new Map<string, PageKey[]>();
      for (const key of parsed) {
        const group = `${key.status}:${key.limit}:${key.offset}`;
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const pages = new Map<string, StreamEntity[]>();
      for (const [group, members] of groups) {
        const { status, limit, offset } = members[0];
        const result = await streams.pageOfEach(
          status,
          members.map((member) => member.userId),
          limit,
          offset,
        );
        for (const [userId, page] of result) pages.set(`${group}:${userId}`, page);
      }
      return parsed.map(
        (key) => pages.get(`${key.status}:${key.limit}:${key.offset}:${key.userId}`) ?? [],
      );
    });
  }

  load(context: object, key: PageKey): Promise<StreamEntity[]> {
    return this.for(context).load(JSON.stringify(key));
  }
}

/** A user as a channel: the streams parts of User (the profile itself belongs to the auth lib). */
@Resolver(() => UserModel)
export class ChannelResolver {
  constructor(
    private readonly live: LiveStreamByStreamerLoader,
    private readonly pages: StreamPageLoader,
  ) {}

  @ResolveField(() => StreamModel, {
    nullable: true,
    description: "The user's LIVE stream, if any.",
  })
  liveStream(
    @Parent() user: UserModel,
    @Context() context: GraphQLContext,
  ): Promise<StreamEntity | null> {
    return this.live.for(context).load(user.id);
  }

  @ResolveField(() => [StreamModel], {
    description: "The user's ENDED streams (the channel's past broadcasts), newest first.",
  })
  pastStreams(
    @Parent() user: UserModel,
    @Args() { limit, offset }: PageArgs,
    @Context() context: GraphQLContext,
  ): Promise<StreamEntity[]> {
    return this.pages.load(context, { status: StreamStatus.ENDED, limit, offset, userId: user.id });
  }

  @ResolveField(() => [StreamModel], {
    description: "The user's SCHEDULED streams, soonest first.",
  })
  scheduledStreams(
    @Parent() user: UserModel,
    @Args() { limit, offset }: PageArgs,
    @Context() context: GraphQLContext,
  ): Promise<StreamEntity[]> {
    return this.pages.load(context, {
      status: StreamStatus.SCHEDULED,
      limit,
      offset,
      userId: user.id,
    });
  }
}

import { Inject } from '@nestjs/common';
import {
  Args,
  ID,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';

import {
  AppConfig,
  ClientIp,
  Clock,
  CurrentUser,
  PUB_SUB,
  Public,
  RequireScope,
  SessionOnly,
  subscriptionIterator,
  UuidPipe,
  type AuthUser,
  type EventBus,
} from '@finserve/api/core';
import type { MediaEvent } from '@finserve/api/media';
import { StreamEntity, StreamModel } from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { HlsService } from './hls.service';
import { MediaCluster } from './media-cluster';
import { mediaChannel } from './media-workers.service';
import {
  IceServerModel,
  MediaEventModel,
  MediaSessionModel,
  VideoLayerModel,
  VideoQualityEnum,
} from './signaling.model';
import { SignalingService } from './signaling.service';
import { iceServersFor } from './turn-credentials';

@Resolver()
export class SignalingResolver {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly signaling: SignalingService,
    private readonly cluster: MediaCluster,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  @Public()
  @Query(() => [IceServerModel], {
    description: `STUN/TURN servers for WebRTC, TURN with short-lived credentials (TURN REST format).`,
  })
  iceServers(@CurrentUser() user: AuthUser | null): IceServerModel[] {
    return iceServersFor(
      {
        stunUrls: this.config.STUN_URLS,
        turnUrls: this.config.TURN_URLS,
        turnSecret: this.config.TURN_SECRET,
        turnTtlSeconds: this.config.TURN_TTL_SECONDS,
      },
      user?.id ?? 'anonymous',
      this.clock.now().getTime(),
    );
  }

  @RequireScope('streams:write')
  @Mutation(() => MediaSessionModel, {
    description:
      "The streamer's console publishes: SDP offer (sendonly audio/video) -> SFU answer. Only the stream's streamer, only while LIVE. Publishing again replaces the previous publisher under the viewers. New sessions are rate limited and open ones capped per client IP and user (RATE_LIMITED).",
  })
  async publishStream(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @Args('sdp', { type: () => String }) sdp: string,
  ): Promise<MediaSessionModel> {
    const { session, sdp: answer } = await this.signaling.publish(user, streamId, sdp, { ip });
    return { sessionId: session.sessionId, sdp: answer };
  }

  @Public()
  @Mutation(() => MediaSessionModel, {
    description:
      'A viewer plays a LIVE stream: SDP offer (recvonly audio/video) -> SFU answer. New sessions are rate limited and open ones capped per client IP and user (RATE_LIMITED); one not connected within MEDIA_CONNECT_TIMEOUT_MS is closed.',
  })
  async playStream(
    @CurrentUser() user: AuthUser | null,
    @ClientIp() ip: string,
    @Args('streamId', { type: () => ID }, UuidPipe) streamId: string,
    @Args('sdp', { type: () => String }) sdp: string,
    @Args('quality', {
      type: () => VideoQualityEnum,
      nullable: true,
      defaultValue: VideoQualityEnum.AUTO,
      description: 'A quality other than AUTO pins that layer (or the nearest one sent).',
    })
    quality: VideoQualityEnum | null,
  ): Promise<MediaSessionModel> {
    const { session, sdp: answer } = await this.signaling.play(
      user,
      streamId,
      sdp,
      { ip },
      quality ?? VideoQualityEnum.AUTO,
    );
    return { sessionId: session.sessionId, sdp: answer };
  }

  @Public()
  @Mutation(() => Boolean, {
    description:
      "The session's owner: switch layer (AUTO: adaptive again). Takes effect at the next keyframe, without renegotiation. False when the media backend cannot switch layers (external).",
  })
  setPlaybackQuality(
    @CurrentUser() user: AuthUser | null,
    @Args('sessionId', { type: () => ID }, UuidPipe) sessionId: string,
    @Args('quality', { type: () => VideoQualityEnum }) quality: VideoQualityEnum,
  ): Promise<boolean> {
    return this.signaling.setPlaybackQuality(user, sessionId, quality);
  }

  @Public()
  @Mutation(() => Boolean, {
    description:
      'Trickle ICE from the client (only the session owner). Candidates on loopback, unspecified, broadcast, multicast, link-local (and, unless configured, private) addresses, and malformed ones, are BAD_USER_INPUT.',
  })
  async addIceCandidate(
    @CurrentUser() user: AuthUser | null,
    @Args('sessionId', { type: () => ID }, UuidPipe) sessionId: string,
    @Args('candidate', { type: () => String }) candidate: string,
    @Args('sdpMid', { type: () => String, nullable: true }) sdpMid: string | null,
  ): Promise<boolean> {
    await this.signaling.addCandidate(user, sessionId, candidate, sdpMid);
    return true;
  }

  @Public()
  @Mutation(() => Boolean, { description: 'Ends a media session (only its owner).' })
  async closeMediaSession(
    @CurrentUser() user: AuthUser | null,
    @Args('sessionId', { type: () => ID }, UuidPipe) sessionId: string,
  ): Promise<boolean> {
    await this.signaling.close(user, sessionId);
    return true;
  }

  @SessionOnly()
  @Mutation(() => String, {
    description:
      'A new stream key for WHIP publishing (OBS: Bearer token); shown once, the previous one stops working.',
  })
  rotateStreamKey(@CurrentUser() user: AuthUser): Promise<string> {
    return this.signaling.rotateStreamKey(user);
  }

  @Public()
  @Subscription(() => MediaEventModel, {
    resolve: (event: MediaEvent) => event,
    description:
      "Server-side media events of a session's stream (publisher restarted, keyframe requested, stream ended...). Only the session owner.",
  })
  async mediaEvents(
    @CurrentUser() user: AuthUser | null,
    @Args('sessionId', { type: () => ID }, UuidPipe) sessionId: string,
  ): Promise<AsyncIterableIterator<MediaEvent>> {
    const session = await this.signaling.owned(user, sessionId);
    // The node holding the session's media died (now or before): its client is told at once,
    // as for a media worker that stopped, and opens a new session (on a live node).
    const dropped: MediaEvent = {
      type: session.role === 'PUBLISH' ? 'PUBLISHER_GONE' : 'SESSION_CLOSED',
      streamId: session.streamId,
      sessionId,
      detail: 'MEDIA_RESTART',
    };
    const source = injectable(
      this.bus.asyncIterableIterator<MediaEvent>(mediaChannel(session.streamId)),
    );
    const stopWatching = this.cluster.onNodeGone(session.node, () => source.inject(dropped));
    const alive = await this.cluster.isAlive(session.node).catch(() => true);
    return subscriptionIterator<MediaEvent, MediaEvent>({
      initial: alive ? [] : [dropped],
      source,
      map: (event) =>
        event.sessionId === undefined ||
        event.sessionId === sessionId ||
        event.type.startsWith('PUBLISHER')
          ? event
          : undefined,
      last: (event) =>
        event.type === 'STREAM_ENDED' ||
        (event.sessionId === sessionId &&
          (event.type === 'SESSION_CLOSED' || event.detail === 'MEDIA_RESTART')),
      onClose: stopWatching,
    });
  }
}

/** A source of events that also yields the events injected into it (by this process). */
function injectable<E>(source: AsyncIterator<E>): AsyncIterator<E> & { inject(event: E): void } {
  const injected: E[] = [];
  let wake: (() => void) | undefined;
  let pending: Promise<IteratorResult<E>> | undefined;
  return {
    inject(event) {
      injected.push(event);
      wake?.();
    },
    async next() {
      const first = injected.shift();
      if (first !== undefined) return { value: first, done: false };
      pending ??= source.next();
      const woken = new Promise<'woken'>((resolve) => (wake = () => resolve('woken')));
      const result = await Promise.race([pending, woken]);
      wake = undefined;
      if (result === 'woken') return { value: injected.shift() as E, done: false };
      pending = undefined;
      return result;
    },
    return: async () => (await source.return?.()) ?? { value: undefined, done: true },
  };
}

@Resolver(() => StreamModel)
export class StreamVideoLayersResolver {
  constructor(
    private readonly signaling: SignalingService,
    private readonly hls: HlsService,
  ) {}

  @ResolveField(() => String, {
    nullable: true,
    description:
      'LL-HLS multivariant playlist (a rendition per layer) while the stream is LIVE and published, else null. Any HTTP cache or CDN may serve it.',
  })
  async hlsUrl(@Parent() stream: StreamEntity): Promise<string | null> {
    if (stream.status !== StreamStatus.LIVE) return null;
    return (await this.hls.available(stream.id)) ? this.hls.url(stream.id) : null;
  }

  @ResolveField(() => [VideoLayerModel], {
    description:
      'The layers received from the publisher now, highest first; empty while nothing is published.',
  })
  async videoLayers(@Parent() stream: StreamEntity): Promise<VideoLayerModel[]> {
    if (stream.status !== StreamStatus.LIVE) return [];
    const layers = await this.signaling.videoLayers(stream.id);
    return layers.map(({ quality, width, height, framesPerSecond, bitrateKbps }) => ({
      quality: quality as VideoQualityEnum,
      width,
      height,
      framesPerSecond,
      bitrateKbps,
    }));
  }
}

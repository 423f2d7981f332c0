import { Query, Resolver } from '@nestjs/graphql';

import { AppConfig, Clock, CurrentUser, Public, type AuthUser } from '@finserve/api/core';

import { IceServerModel } from './signaling.model';
import { iceServersFor } from './turn-credentials';

@Resolver()
export class SignalingResolver {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
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
}

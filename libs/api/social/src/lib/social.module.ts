import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { JobsModule } from '@finserve/api/jobs';
import { SignalingModule } from '@finserve/api/signaling';
import { StreamsModule } from '@finserve/api/streams';
import { TipsModule } from '@finserve/api/tips';

import { FollowsRepository } from './follows.repository';
import { FollowsService } from './follows.service';
import { NotificationFanoutService } from './notification-fanout.service';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import {
  FollowerCountLoader,
  FollowsResolver,
  NotificationClipLoader,
  NotificationsResolver,
  NotificationStreamLoader,
  StreamFollowsResolver,
} from './social.resolver';
import { WebPushRepository } from './web-push.repository';
import { WebPushService } from './web-push.service';

/** Follows, notifications (live over graphql-ws, and Web Push for go-lives). */
@Module({
  imports: [AuthModule, StreamsModule, TipsModule, SignalingModule, JobsModule],
  providers: [
    FollowsRepository,
    NotificationsRepository,
    WebPushRepository,
    FollowsService,
    NotificationsService,
    WebPushService,
    NotificationFanoutService,
    FollowerCountLoader,
    NotificationStreamLoader,
    NotificationClipLoader,
    FollowsResolver,
    StreamFollowsResolver,
    NotificationsResolver,
  ],
  exports: [FollowsService, NotificationsService, WebPushService],
})
export class SocialModule {}

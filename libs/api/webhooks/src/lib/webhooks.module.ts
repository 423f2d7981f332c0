import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';
import { JobsModule } from '@finserve/api/jobs';
import { SignalingModule } from '@finserve/api/signaling';
import { SocialModule } from '@finserve/api/social';
import { StreamsModule } from '@finserve/api/streams';
import { TipsModule } from '@finserve/api/tips';

import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhooksRepository } from './webhooks.repository';
import { RecentDeliveriesLoader, WebhooksResolver } from './webhooks.resolver';
import { WebhooksService } from './webhooks.service';

/** Signed webhooks: users' endpoints, and their deliveries through the durable job queue. */
@Module({
  imports: [
    AuthModule,
    StreamsModule,
    ChatModule,
    TipsModule,
    SignalingModule,
    SocialModule,
    JobsModule,
  ],
  providers: [
    WebhooksRepository,
    WebhooksService,
    WebhookDeliveryService,
    RecentDeliveriesLoader,
    WebhooksResolver,
  ],
  exports: [WebhooksService],
})
export class WebhooksModule {}

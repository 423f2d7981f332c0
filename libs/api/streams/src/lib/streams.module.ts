import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuthModule } from '@finserve/api/auth';

import { StreamEventsPublisher } from './stream-events';
import { StreamLifecycle } from './stream-lifecycle';
import { StreamEntity } from './stream.entity';
import { StreamerPresenceService } from './streamer-presence.service';
import { StreamsResolver } from './streams.resolver';
import { StreamsService } from './streams.service';
import { ThumbnailsController } from './thumbnails.controller';
import { ThumbnailsService } from './thumbnails.service';

@Module({
  imports: [TypeOrmModule.forFeature([StreamEntity]), AuthModule],
  providers: [
    StreamsService,
    StreamsResolver,
    StreamEventsPublisher,
    StreamerPresenceService,
    StreamLifecycle,
    ThumbnailsService,
  ],
  controllers: [ThumbnailsController],
  exports: [
    StreamsService,
    StreamEventsPublisher,
    StreamerPresenceService,
    StreamLifecycle,
    ThumbnailsService,
  ],
})
export class StreamsModule {}

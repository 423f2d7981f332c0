import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuthModule } from '@finserve/api/auth';

import { CategoriesRepository } from './categories.repository';
import { CategoriesService, CategoryCountsLoader } from './categories.service';
import { CategoryResolver } from './category.resolver';
import { ChannelResolver, LiveStreamByStreamerLoader, StreamPageLoader } from './channel.resolver';
import { StreamEventsPublisher } from './stream-events';
import { StreamLifecycle } from './stream-lifecycle';
import { StreamEntity } from './stream.entity';
import { StreamerPresenceService } from './streamer-presence.service';
import { StreamsRepository } from './streams.repository';
import { StreamsResolver } from './streams.resolver';
import { StreamsService } from './streams.service';
import { ThumbnailsController } from './thumbnails.controller';
import { ThumbnailsRepository } from './thumbnails.repository';
import { ThumbnailsService } from './thumbnails.service';

@Module({
  imports: [TypeOrmModule.forFeature([StreamEntity]), AuthModule],
  providers: [
    StreamsRepository,
    CategoriesRepository,
    ThumbnailsRepository,
    StreamsService,
    StreamsResolver,
    StreamEventsPublisher,
    StreamerPresenceService,
    StreamLifecycle,
    ThumbnailsService,
    CategoriesService,
    CategoryCountsLoader,
    CategoryResolver,
    ChannelResolver,
    LiveStreamByStreamerLoader,
    StreamPageLoader,
  ],
  controllers: [ThumbnailsController],
  exports: [
    StreamsService,
    StreamEventsPublisher,
    StreamerPresenceService,
    StreamLifecycle,
    ThumbnailsService,
    CategoriesService,
  ],
})
export class StreamsModule {}

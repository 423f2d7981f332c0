import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';
import { StreamsModule } from '@finserve/api/streams';
import { TipsModule } from '@finserve/api/tips';
import { ViewersModule } from '@finserve/api/viewers';

import { StatsRepository } from './stats.repository';
import {
  PlatformStatsResolver,
  StreamStatsFieldResolver,
  StreamStatsResolver,
} from './stats.resolver';
import { StatsService } from './stats.service';

@Module({
  imports: [AuthModule, ChatModule, StreamsModule, TipsModule, ViewersModule],
  providers: [
    StatsRepository,
    StatsService,
    StreamStatsFieldResolver,
    StreamStatsResolver,
    PlatformStatsResolver,
  ],
  exports: [StatsService],
})
export class StatsModule {}

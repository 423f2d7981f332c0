import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';

import {
  PlatformStatsResolver,
  StreamStatsFieldResolver,
  StreamStatsResolver,
} from './stats.resolver';
import { StatsService } from './stats.service';

@Module({
  imports: [AuthModule],
  providers: [StatsService, StreamStatsFieldResolver, StreamStatsResolver, PlatformStatsResolver],
  exports: [StatsService],
})
export class StatsModule {}

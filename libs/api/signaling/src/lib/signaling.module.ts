import { Module } from '@nestjs/common';

import { StreamsModule } from '@finserve/api/streams';

import { MediaWorkers } from './media-workers.service';
import { SignalingResolver } from './signaling.resolver';
import { SignalingService } from './signaling.service';
import { WhipController } from './whip.controller';

@Module({
  imports: [StreamsModule],
  providers: [MediaWorkers, SignalingService, SignalingResolver],
  controllers: [WhipController],
  exports: [SignalingService, MediaWorkers],
})
export class SignalingModule {}

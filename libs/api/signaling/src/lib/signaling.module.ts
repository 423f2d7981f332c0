import { Module } from '@nestjs/common';

import { StreamsModule } from '@finserve/api/streams';

import { MediaWorkers } from './media-workers.service';
import { RecordingsController, RecordingsService, StreamRecordingResolver } from './recordings';
import { SignalingResolver } from './signaling.resolver';
import { SignalingService } from './signaling.service';
import { WhipController } from './whip.controller';

@Module({
  imports: [StreamsModule],
  providers: [
    MediaWorkers,
    SignalingService,
    SignalingResolver,
    RecordingsService,
    StreamRecordingResolver,
  ],
  controllers: [WhipController, RecordingsController],
  exports: [SignalingService, MediaWorkers],
})
export class SignalingModule {}

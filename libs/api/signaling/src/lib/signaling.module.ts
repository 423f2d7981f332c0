import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { AppConfig, PUB_SUB, type EventBus } from '@finserve/api/core';
import { StreamsModule } from '@finserve/api/streams';

import { ClipsController, ClipsResolver, ClipsService } from './clips';
import { ClipsRepository } from './clips.repository';
import { ExternalMediaBackend } from './external-media.backend';
import { HlsController } from './hls.controller';
import { HlsService } from './hls.service';
import { MediaBackend } from './media-backend';
import { MediaCluster } from './media-cluster';
import { MediaRelay } from './media-relay';
import { MediaSessions } from './media-sessions';
import { MediaWorkers } from './media-workers.service';
import { recordingStoreProvider } from './recording-store';
import { RecordingsController, RecordingsService, StreamRecordingResolver } from './recordings';
import { RecordingsRepository } from './recordings.repository';
import { SignalingResolver, StreamVideoLayersResolver } from './signaling.resolver';
import { SignalingService } from './signaling.service';
import { StreamKeysRepository } from './stream-keys.repository';
import { WhipController } from './whip.controller';

/** The embedded SFU unless MEDIA_BACKEND=external points signaling at a WHIP/WHEP service. */
const mediaBackendProvider = {
  provide: MediaBackend,
  inject: [AppConfig, PUB_SUB],
  useFactory: (config: AppConfig, bus: EventBus): MediaBackend =>
    config.MEDIA_BACKEND === 'external'
      ? new ExternalMediaBackend(config, bus)
      : new MediaWorkers(config, bus),
};

@Module({
  imports: [StreamsModule, AuthModule],
  providers: [
    mediaBackendProvider,
    MediaCluster,
    MediaSessions,
    MediaRelay,
    HlsService,
    StreamKeysRepository,
    SignalingService,
    SignalingResolver,
    StreamVideoLayersResolver,
    recordingStoreProvider,
    RecordingsRepository,
    RecordingsService,
    StreamRecordingResolver,
    ClipsRepository,
    ClipsService,
    ClipsResolver,
  ],
  controllers: [WhipController, RecordingsController, HlsController, ClipsController],
  exports: [SignalingService, MediaBackend, MediaCluster, MediaRelay, HlsService, ClipsService],
})
export class SignalingModule {}

export { ClipModel, ClipsService, ClipStatus } from './lib/clips';
export * from './lib/media-backend';
export * from './lib/media-cluster';
export * from './lib/media-relay';
export * from './lib/media-sessions';
export * from './lib/media-workers.service';
export * from './lib/signaling.module';
export * from './lib/signaling.service';
export * from './lib/turn-credentials';

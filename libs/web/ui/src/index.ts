export * from './lib/format';
export * from './lib/live-badge.component';
export * from './lib/pipes';
export * from './lib/stream-placeholder.component';
export * from './lib/video-quality';

export * from './lib/format';
export * from './lib/live-badge.component';
export * from './lib/pipes';
export * from './lib/stream-placeholder.component';
export * from './lib/video-quality';
export * from './lib/categories';
export * from './lib/channel-link.component';

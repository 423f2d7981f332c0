export * from './lib/media.service';
export * from './lib/rtc-stats';
export * from './lib/simulcast';
export type { VideoQuality } from './lib/graphql.generated';
export * from './lib/session-recovery';
export * from './lib/session-watch';

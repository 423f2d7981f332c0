export * from './lib/media.service';
export * from './lib/rtc-stats';

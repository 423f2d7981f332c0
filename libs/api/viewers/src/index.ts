export * from './lib/instance.service';
export * from './lib/presence.store';
export * from './lib/viewers.module';
export * from './lib/viewers.service';
export type { SessionAggregate, ViewerSample } from './lib/viewers.repository';

export * from './lib/peer-config';
export * from './lib/protocol';
export * from './lib/worker-main';
export * from './lib/recording';
export * from './lib/relay-feed';

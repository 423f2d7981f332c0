export * from './lib/signaling.module';
export * from './lib/turn-credentials';

export * from './viewer.routes';
export * from './lib/live-player.component';

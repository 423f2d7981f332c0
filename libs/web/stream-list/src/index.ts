export * from './stream-list.routes';
export * from './lib/search-box.component';
export * from './lib/replay-grid.component';

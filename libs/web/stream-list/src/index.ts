export * from './stream-list.routes';

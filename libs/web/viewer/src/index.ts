export * from './viewer.routes';

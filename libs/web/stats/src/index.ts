export * from './stats.routes';

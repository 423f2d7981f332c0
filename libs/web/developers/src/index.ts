export * from './developers.routes';

export * from './studio.routes';

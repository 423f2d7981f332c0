export * from './auth.routes';

export * from './channel.routes';

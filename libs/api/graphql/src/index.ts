export * from './lib/graphql-source-limit';
export * from './lib/graphql-transport.module';
export * from './lib/graphql-ws.server';
export * from './lib/graphql.config';
export * from './lib/operation-limits';
export * from './lib/ws-guard';
export * from './lib/response-cache';
export * from './lib/response-cache.service';

export * from './lib/auth.guard';
export * from './lib/auth.service';
export * from './lib/backoff';
export * from './lib/errors';
export * from './lib/graphql-socket';
export * from './lib/graphql.provider';
export * from './lib/token-storage';
export type { CurrentUserFragment } from './lib/graphql.generated';

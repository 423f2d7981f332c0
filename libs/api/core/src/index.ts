export * from './lib/auth-context/auth-user';
export * from './lib/auth-context/decorators';
export * from './lib/config/app-config';
export * from './lib/config/config.module';
export * from './lib/config/load-config';
export * from './lib/errors/domain-error';
export * from './lib/errors/graphql-error-formatter';
export * from './lib/errors/pg-errors';

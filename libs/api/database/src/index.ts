export * from './lib/data-source-options';
export * from './lib/database-server';
export * from './lib/embedded-postgres';
export * from './lib/migrate';
export * from './lib/typeorm-logger';
export * from './lib/search-functions';
export * from './lib/advisory-locks';

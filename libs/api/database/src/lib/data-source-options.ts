import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';

import { TypeOrmLogger } from './typeorm-logger';

export interface DataSourceInputs {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

/**
 * The one definition of how the API talks to PostgreSQL, shared by the Nest app, the db CLI
 * (apps/api/src/db.ts) and the TypeORM CLI (apps/api/src/data-source.ts). Never synchronize:
 * the schema is what the migrations in /migrations say.
 */
export function buildDataSourceOptions(inputs: DataSourceInputs): DataSourceOptions {
  return {
    type: 'postgres',
    url: inputs.url,
    entities: inputs.entities,
    migrations: inputs.migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['query', 'error', 'warn', 'migration'],
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: 1000,
    applicationName: inputs.applicationName ?? 'finserve-api',
    extra: {
      max: inputs.poolSize ?? 20,
      // Fail fast instead of queueing forever when the pool is exhausted or the server is gone.
      connectionTimeoutMillis: 10_000,
    },
  };
}

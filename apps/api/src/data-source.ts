/**
 * The data source for the TypeORM CLI, built to dist/apps/api/data-source.js, e.g.
 *   DATABASE_URL=postgres://... npx typeorm migration:show -d dist/apps/api/data-source.js
 * It uses the same options as the app (buildDataSourceOptions). For the embedded database use
 * the Nx targets db:migrate / db:revert / db:reset (dist/apps/api/db.js), which start it first.
 */
import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { buildDataSourceOptions } from '@finserve/api/database';
import { MIGRATIONS } from '@finserve/migrations';

import { ENTITIES } from './entities';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI');

export default new DataSource(
  buildDataSourceOptions({
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    applicationName: 'typeorm-cli',
  }),
);

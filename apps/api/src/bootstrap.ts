import 'reflect-metadata';

import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '@finserve/api/core';
import {
  buildDataSourceOptions,
  resolveDatabaseServer,
  runMigrations,
  type DatabaseServer,
} from '@finserve/api/database';

import { MIGRATIONS } from '../../../migrations';
import { AppModule } from './app.module';
import { ENTITIES } from './entities';

export interface RunningApp {
  app: INestApplication;
  config: AppConfig;
  /** http://host:port of the listening server. */
  url: string;
  database: DatabaseServer;
  /** Graceful stop: no new connections, in-flight work finishes, sockets and database close. */
  close(): Promise<void>;
}

async function migrate(url: string, log: (line: string) => void): Promise<void> {
  const dataSource = new DataSource(
    buildDataSourceOptions({ url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2, applicationName: 'finserve-migrate' }),
  );
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    if (applied.length) log(`applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Starts the whole API: database (DATABASE_URL or embedded), migrations (unless
 * DB_MIGRATE_ON_START=false), the Nest app, then listens on HOST:PORT. Used by main.ts and by the
 * integration tests, so tests run exactly what production runs.
 */
export async function startApp(config: AppConfig): Promise<RunningApp> {
  const bootLog = (line: string) => {
    if (config.LOG_LEVEL !== 'silent') console.log(JSON.stringify({ level: 30, time: Date.now(), msg: line }));
  };
  const database = await resolveDatabaseServer(config, bootLog);
  let app: NestExpressApplication | undefined;
  try {
    if (config.DB_MIGRATE_ON_START) await migrate(database.url, bootLog);
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl: database.url }),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    app.set('trust proxy', 'loopback');
    app.disable('x-powered-by');
    app.useGlobalPipes(
      new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }),
    );
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.embedded?.stop().catch(() => undefined);
    throw error;
  }
  const started = app;
  const address = started.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  let closing: Promise<void> | undefined;
  return {
    app: started,
    config,
    url: `http://127.0.0.1:${port}`,
    database,
    close: () =>
      (closing ??= (async () => {
        await started.close();
        await database.embedded?.stop();
      })()),
  };
}

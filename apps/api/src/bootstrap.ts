import 'reflect-metadata';

import { Logger, ValidationPipe, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, raw, text, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger as PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';

import { TokenService } from '@finserve/api/auth';
import {
  apiRateLimitMiddleware,
  AppConfig,
  Clock,
  RATE_LIMITER,
  type RateLimiter,
} from '@finserve/api/core';
import {
  buildDataSourceOptions,
  resolveDatabaseServer,
  runMigrations,
  type DatabaseServer,
} from '@finserve/api/database';
import { graphqlSourceLimit, OperationLimits, ResponseCacheService } from '@finserve/api/graphql';
import { MIGRATIONS } from '@finserve/migrations';
import { ErrorCode } from '@finserve/shared';

import { AppModule } from './app.module';
import { bootLogger, ensurePortFree } from './console';
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
    buildDataSourceOptions({
      url,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      poolSize: 2,
      applicationName: 'finserve-migrate',
    }),
  );
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    if (applied.length)
      log(`applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await dataSource.destroy();
  }
}

const NEST_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const PINO_TO_NEST: Record<AppConfig['LOG_LEVEL'], number> = {
  silent: 0,
  fatal: 1,
  error: 2,
  warn: 3,
  info: 4,
  debug: 5,
  trace: 6,
};

function nestLogLevels(level: AppConfig['LOG_LEVEL']): LogLevel[] | false {
  const count = PINO_TO_NEST[level];
  return count === 0 ? false : NEST_LEVELS.slice(0, count);
}

/**
 * A body that is too large or not JSON gets a GraphQL-shaped error (so clients parse one format),
 * never an HTML page or a parser stack.
 */
function bodyParserErrorHandler(
  error: { status?: number; type?: string },
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (!error?.status || error.status >= 500) return next(error);
  const message =
    error.type === 'entity.too.large'
      ? 'Request body too large'
      : error.type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : 'Malformed request body';
  res
    .status(error.status)
    .json({ errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
}

/**
 * Security headers. The Content-Security-Policy is production-only: in development GraphiQL loads
 * from a CDN. WebSockets and WebRTC media need ws:/wss: and blob:; the live player's HLS needs
 * HLS_BASE_URL's origin and hls.js's blob: worker.
 */
function helmetOptions(config: AppConfig): Parameters<typeof helmet>[0] {
  // Players fetch HLS from HLS_BASE_URL (a CDN) when set.
  const hls = config.HLS_BASE_URL ? [new URL(config.HLS_BASE_URL).origin] : [];
  return {
    contentSecurityPolicy: config.isProduction
      ? {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:', 'blob:'],
            mediaSrc: ["'self'", 'blob:', ...hls],
            connectSrc: ["'self'", 'ws:', 'wss:', ...hls],
            // hls.js transmuxes in a worker it starts from a blob: URL.
            workerSrc: ["'self'", 'blob:'],
            fontSrc: ["'self'", 'data:'],
            objectSrc: ["'none'"],
            frameAncestors: ["'none'"],
          },
        }
      : false,
    // Replays and the web app's media are same-origin; COEP would only block embeds.
    crossOriginEmbedderPolicy: false,
  };
}

/**
 * Starts the whole API: database (DATABASE_URL or embedded), migrations (unless
 * DB_MIGRATE_ON_START=false), the Nest app, then listens on HOST:PORT. Used by main.ts and by the
 * integration tests, so tests run exactly what production runs.
 */
export async function startApp(
  config: AppConfig,
  options: { clock?: Clock } = {},
): Promise<RunningApp> {
  // Until the pino logger takes over, Nest's console logger prints only what LOG_LEVEL allows.
  Logger.overrideLogger(nestLogLevels(config.LOG_LEVEL));
  const bootLog = bootLogger(config);
  // A taken port fails now, before the database is migrated or seeded.
  await ensurePortFree(config.HOST, config.PORT);
  const database = await resolveDatabaseServer(config, bootLog);
  let app: NestExpressApplication | undefined;
  try {
    if (config.DB_MIGRATE_ON_START) await migrate(database.url, bootLog);
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl: database.url, clock: options.clock }),
      // Body parsing is installed below, with a limit and GraphQL-shaped errors.
      { bufferLogs: true, abortOnError: false, bodyParser: false },
    );
    // Whose X-Forwarded-For names the client (rate limits, caps): TRUST_PROXY, as Express reads it.
    app.set('trust proxy', config.trustProxy);
    app.use(helmet(helmetOptions(config)));
    app.enableCors({
      // No origin listed: no CORS headers at all, so browsers keep other sites out.
      origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight'],
      exposedHeaders: [
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
        'Retry-After',
      ],
      maxAge: 600,
    });
    // Counted before the body is even parsed.
    const tokens = app.get(TokenService);
    app.use(
      '/graphql',
      apiRateLimitMiddleware({
        limiter: app.get<RateLimiter>(RATE_LIMITER),
        perMinute: config.API_RATE_LIMIT_PER_MINUTE,
        subjectOf: (request) => tokens.subjectOfAuthorization(request.headers['authorization']),
      }),
    );
    // Provider webhooks are verified against their exact bytes: kept raw (a Buffer).
    app.use(
      '/webhooks/stripe',
      raw({ type: () => true, limit: 512 * 1024 }),
      bodyParserErrorHandler,
    );
    app.use(json({ limit: config.HTTP_BODY_LIMIT_BYTES }), bodyParserErrorHandler);
    app.use('/graphql', graphqlSourceLimit(app.get(OperationLimits)));
    // A cached public list (anonymous GET) is answered here, as bytes, before Apollo.
    app.use('/graphql', app.get(ResponseCacheService).httpFastPath());
    // WHIP/WHEP bodies are SDP text.
    app.use(
      ['/whip', '/whep'],
      text({ type: 'application/sdp', limit: 64 * 1024 }),
      bodyParserErrorHandler,
    );
    app.useLogger(app.get(PinoLogger));
    app.disable('x-powered-by');
    app.useGlobalPipes(
      new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }),
    );
    // Nest hands its arguments on to http.Server#listen(port, host, backlog); its types only
    // know a callback in third place.
    const listen = app.listen.bind(app) as unknown as (
      port: number,
      host: string,
      backlog: number,
    ) => Promise<unknown>;
    await listen(config.PORT, config.HOST, config.HTTP_LISTEN_BACKLOG);
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

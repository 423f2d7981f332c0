import { createServer } from 'node:net';
import { join } from 'node:path';

import { StartupError, type AppConfig } from '@finserve/api/core';

/**
 * Human-readable logs (pino-pretty) when a person watches the console: LOG_FORMAT=pretty, or
 * (auto) stdout is a terminal and this is not production. Everything else (pipes, files,
 * containers, production) gets JSON lines.
 */
export function prettyConsole(config: AppConfig): boolean {
  if (config.LOG_LEVEL === 'silent' || config.LOG_FORMAT === 'json') return false;
  if (config.LOG_FORMAT === 'pretty') return true;
  return Boolean(process.stdout.isTTY) && !config.isProduction;
}

/** A line logged before the Nest logger exists, in the console's format. */
export function bootLogger(config: AppConfig): (line: string) => void {
  if (config.LOG_LEVEL === 'silent') return () => undefined;
  if (prettyConsole(config)) {
    return (line) =>
      console.log(`[${new Date().toTimeString().slice(0, 8)}] \x1b[32mINFO\x1b[0m: ${line}`);
  }
  return (line) => console.log(JSON.stringify({ level: 30, time: Date.now(), msg: line }));
}

/**
 * Fails at once when HOST:PORT is taken, before migrations or seeding touch the database.
 * (A race with another process binding in between still fails at listen, just later.)
 */
export function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(
              `Port ${port} on ${host} is already in use (PORT): stop what listens there or start with another PORT`,
            )
          : error.code === 'EACCES'
            ? new StartupError(`Not allowed to listen on port ${port} (PORT): pick a port >= 1024`)
            : error,
      );
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The start-up summary: where the app is, its API, GraphiQL, and the admin's password. */
export function startupSummary(config: AppConfig, port: number): string[] {
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.HOST)
    ? 'localhost'
    : config.HOST;
  const base = `http://${host}:${port}`;
  const admin = config.ADMIN_USERNAME ?? 'admin';
  const lines = [
    `finserve-live is running`,
    `  App:       ${base}/`,
    `  GraphQL:   ${base}/graphql`,
  ];
  if (!config.isProduction) lines.push(`  GraphiQL:  ${base}/graphql (open it in a browser)`);
  if (config.ADMIN_PASSWORD) lines.push(`  Admin:     "${admin}", password from ADMIN_PASSWORD`);
  else if (!config.isProduction)
    lines.push(`  Admin:     "${admin}", password in ${join(config.DATA_DIR, 'admin-password')}`);
  return lines;
}

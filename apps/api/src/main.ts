import { ConfigError, loadConfig, StartupError } from '@finserve/api/core';

import { startApp } from './bootstrap';
import { bootLogger, prettyConsole, startupSummary } from './console';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line naming the variable, nothing else.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let running;
  try {
    running = await startApp(config);
  } catch (error) {
    if (error instanceof StartupError) {
      // What to fix, in one line; no stack.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const port = Number(new URL(running.url).port);
  const log = bootLogger(config);
  if (config.LOG_LEVEL !== 'silent') {
    if (prettyConsole(config)) console.log(`\n${startupSummary(config, port).join('\n')}\n`);
    else
      log(
        startupSummary(config, port)
          .map((line) => line.trim().replace(/\s+/g, ' '))
          .join('; '),
      );
  }

  const shutdown = (signal: NodeJS.Signals) => {
    log(`${signal} received, shutting down`);
    const force = setTimeout(() => {
      console.error('shutdown took longer than 20 s, exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});

import { ConfigError, loadConfig } from '@finserve/api/core';

import { startApp } from './bootstrap';

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
  const running = await startApp(config);
  console.log(
    JSON.stringify({
      level: 30,
      time: Date.now(),
      msg: `finserve-live API listening on ${running.url} (GraphQL at /graphql)`,
    }),
  );

  const shutdown = (signal: NodeJS.Signals) => {
    console.log(
      JSON.stringify({ level: 30, time: Date.now(), msg: `${signal} received, shutting down` }),
    );
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

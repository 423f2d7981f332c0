import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

import WebSocket from 'ws';

import { freshDatabase } from './support/databases';
import { eventually } from './support/graphql-client';
import { freePort, MAIN_JS, ROOT } from './support/process';

function withoutPort(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PORT: _port, ...rest } = env;
  return rest;
}

/** `npx nx <args>` in its own process group, so the whole tree (nx, webpack, node) can be stopped. */
function nx(args: string[], env: Record<string, string>) {
  const child = spawn('npx', ['nx', ...args, '--output-style=stream'], {
    cwd: ROOT,
    env: {
      ...withoutPort(process.env),
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (child.exitCode !== null || pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

const ok = async (url: string) => {
  try {
    return (await fetch(url)).status === 200 ? true : undefined;
  } catch {
    return undefined;
  }
};

describe('the development loop (npm run dev = nx serve api + nx serve web)', () => {
  const children: ChildProcess[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await Promise.all(children.map(stop));
    await dropDatabase?.();
  }, 60_000);

  it('serves the API in watch mode and the Angular dev server proxying HTTP and WebSocket to it', async () => {
    const database = await freshDatabase('dev_loop');
    dropDatabase = () => database.drop();
    const databaseUrl = database.url;
    const apiPort = await freePort();
    const webPort = await freePort();
    // API_PORT: the dev server's port stays its own (Angular's dev server takes PORT for itself).
    const env = { API_PORT: String(apiPort), DATABASE_URL: databaseUrl, LOG_FORMAT: 'json' };
    const api = nx(['serve', 'api'], env);
    children.push(api.child);
    await eventually(() => ok(`http://127.0.0.1:${apiPort}/health`), 120_000, 500).catch(() => {
      throw new Error(`nx serve api did not answer /health:\n${api.output()}`);
    });
    // Watch mode: webpack rebuilds on a source change and node restarts on a new build. A new
    // build is stood in for by touching the built file (editing sources would change the
    // checkout under test).
    await eventually(
      () =>
        /webpack compiled/.test(api.output().split('nx run api:serve')[1] ?? '') ? true : undefined,
      60_000,
      500,
    );
    appendFileSync(MAIN_JS, '\n');
    await eventually(
      () => (api.output().includes("Restarting 'dist/apps/api/main.js'") ? true : undefined),
      30_000,
      250,
    );
    await eventually(() => ok(`http://127.0.0.1:${apiPort}/health`), 60_000, 500);

    const web = nx(['serve', 'web', `--port=${webPort}`], env);
    children.push(web.child);
    await eventually(() => ok(`http://127.0.0.1:${webPort}/health`), 180_000, 500).catch(() => {
      throw new Error(`nx serve web did not proxy /health:\n${web.output()}`);
    });
    const index = await (await fetch(`http://127.0.0.1:${webPort}/`)).text();
    expect(index).toContain('<fs-root');
    expect(index).toContain('/@vite/client');

    // GraphQL over HTTP and graphql-ws through the dev server's proxy.
    const graphql = await fetch(`http://127.0.0.1:${webPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ liveStreams { id } }' }),
    });
    expect(graphql.status).toBe(200);
    const ack = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${webPort}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (data: Buffer) => {
        socket.close();
        resolve((JSON.parse(data.toString()) as { type: string }).type);
      });
      socket.on('error', reject);
    });
    expect(ack).toBe('connection_ack');
  }, 320_000);
});

import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { errorCode, gql, ME, REGISTER, uniqueUsername, wsConnect } from './support/graphql-client';
import { freePort, isAlive, spawnServer, waitForHealth } from './support/process';

function postmasterPid(dataDir: string): number {
  return Number(
    readFileSync(join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
}

describe('the built server (what `npm start` runs)', () => {
  describe('with no DATABASE_URL: the embedded PostgreSQL', () => {
    // Readable by the `postgres` user the embedded server switches to when run as root.
    const dataDir = mkdtempSync(join(tmpdir(), 'finserve-e2e-'));
    chmodSync(dataDir, 0o755);
    let pgPort: number;

    beforeAll(async () => {
      pgPort = await freePort();
    });

    const env = (port: number) => ({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'warn',
    });

    const servers: ReturnType<typeof spawnServer>[] = [];
    afterAll(() => servers.forEach((server) => server.child.kill('SIGKILL')));

    it('starts, serves /health, register over HTTP and me over graphql-ws; survives SIGKILL; stops cleanly on SIGTERM', async () => {
      // 1. First start: initdb, migrations, admin.
      const port = await freePort();
      const first = spawnServer(env(port));
      servers.push(first);
      await waitForHealth(first, port, 90_000);
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
        status: string;
        info: unknown;
      };
      expect(health).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });

      // Demo data on the empty database: one LIVE demo stream by a demo user.
      const demo = await gql(
        `http://127.0.0.1:${port}`,
        '{ liveStreams { title streamer { username } } }',
      );
      expect(demo.data?.['liveStreams']).toEqual([
        { title: '[DEMO] EUR/USD: London open, key levels', streamer: { username: 'demo_alice' } },
      ]);

      const username = uniqueUsername('e2e');
      const registered = await gql(`http://127.0.0.1:${port}`, REGISTER, {
        input: { username, password: 'password123' },
      });
      expect(registered.errors).toBeUndefined();
      const token = registered.data?.['register'].accessToken as string;
      const socket = wsConnect(`http://127.0.0.1:${port}`, token);
      const me = await socket.execute(ME);
      expect((me.data as { me: { username: string } }).me.username).toBe(username);
      await socket.dispose();

      // 2. SIGKILL: Node dies at once, its PostgreSQL is orphaned and keeps the port.
      const orphan = postmasterPid(dataDir);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(isAlive(orphan)).toBe(true);

      // 3. The next start finds the orphan, stops it, and serves the same data.
      const port2 = await freePort();
      const second = spawnServer(env(port2));
      servers.push(second);
      await waitForHealth(second, port2, 60_000);
      expect(isAlive(orphan)).toBe(false);
      const login = await gql(`http://127.0.0.1:${port2}`, ME, {}, token);
      expect(login.data?.['me']?.username).toBe(username);
      const demoAgain = await gql(`http://127.0.0.1:${port2}`, '{ liveStreams { title } }');
      expect(demoAgain.data?.['liveStreams']).toHaveLength(1); // seeded once, not on every start

      // 4. SIGTERM: graceful stop, exit code 0, PostgreSQL stopped too.
      const postmaster = postmasterPid(dataDir);
      second.child.kill('SIGTERM');
      const exit = await second.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(isAlive(postmaster)).toBe(false);
      expect(second.output()).not.toMatch(/Error|stack/);
    }, 180_000);
  });

  describe('refuses a bad configuration with one line naming the variable', () => {
    it.each([
      [{ PORT: 'abc' }, /^Invalid configuration: PORT must be an integer/],
      [
        { PLATFORM_FEE_BPS: '20000' },
        /^Invalid configuration: PLATFORM_FEE_BPS must be an integer between 0 and 10000/,
      ],
      [{ NODE_ENV: 'production' }, /^Invalid configuration: JWT_SECRET is required in production/],
      [
        { NODE_ENV: 'production', JWT_SECRET: 'too-short' },
        /^Invalid configuration: JWT_SECRET must be at least 32 characters/,
      ],
      [
        { CURRENCIES: 'dollars' },
        /^Invalid configuration: CURRENCIES must be a comma-separated list of ISO-4217 codes/,
      ],
    ])('%j', async (badEnv, expected) => {
      const server = spawnServer({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-cfg-')),
        ...badEnv,
      });
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      const lines = server.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
      expect(lines[0]).not.toContain('too-short');
    });
  });

  it('answers GraphQL errors without stack traces in production mode', async () => {
    const port = await freePort();
    const databaseUrl = process.env['TEST_DATABASE_URL'] as string;
    const server = spawnServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-prod-')),
      LOG_LEVEL: 'warn',
    });
    try {
      await waitForHealth(server, port);
      const response = await gql(`http://127.0.0.1:${port}`, 'query { me { id nope } }');
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.js/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // Starting a process takes longer than jest's default 5 s on a loaded machine.
  }, 60_000);
});

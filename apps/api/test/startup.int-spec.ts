import { createServer, type AddressInfo, type Server } from 'node:net';

import { freshDatabase } from './support/databases';
import { spawnServer } from './support/process';

/** Runs the built server until it exits (it must, within 30 s) and returns what it printed. */
async function runToExit(env: Record<string, string>) {
  const server = spawnServer(env);
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  const { code } = await server.exited;
  clearTimeout(timer);
  const lines = server
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '');
  return { code, lines };
}

describe('start-up failures a user can fix: one line, no stack, nothing half done', () => {
  it('names DATABASE_URL (password hidden) and the reason when the database does not exist', async () => {
    const server = process.env['TEST_DATABASE_SERVER_URL'] ?? process.env['TEST_DATABASE_URL'];
    if (!server) throw new Error('run through jest (global setup)');
    const url = new URL(server);
    url.password = 'hunter2-secret';
    url.pathname = '/finserve_no_such_database';
    // PORT=0: the database check is what fails (a fixed port could be taken by anything).
    const { code, lines } = await runToExit({ PORT: '0', DATABASE_URL: url.toString() });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL=');
    expect(lines[0]).toContain('finserve_no_such_database');
    expect(lines[0]).toContain('does not exist');
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).not.toMatch(/\bat .*\.js:\d+/);
  }, 40_000);

  it('says nothing answers when the database server is down', async () => {
    const closedPort = 1; // tcpmux: nothing listens there
    const { code, lines } = await runToExit({
      PORT: '0',
      DATABASE_URL: `postgres://someone:pw@127.0.0.1:${closedPort}/finserve`,
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      `Cannot use the database at DATABASE_URL=postgres://someone:***@127.0.0.1:${closedPort}/finserve: nothing answers at 127.0.0.1:${closedPort} (is PostgreSQL running?)`,
    ]);
  }, 40_000);

  it('fails on a port already in use before migrating or seeding anything', async () => {
    const database = await freshDatabase('startup');
    // The port is the one this test holds: nothing else can take it meanwhile.
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, lines } = await runToExit({
        PORT: String(port),
        DATABASE_URL: database.url,
      });
      expect(code).toBe(1);
      expect(lines).toEqual([
        `Port ${port} on 0.0.0.0 is already in use (PORT): stop what listens there or start with another PORT`,
      ]);
      // The database was not touched: no migration ran (checked where the test has its own).
      if (database.isolated) expect(await database.tables()).toBe(0);
    } finally {
      blocker.close();
      await database.drop();
    }
  }, 40_000);
});

import { Client } from 'pg';

export interface TestDatabase {
  url: string;
  /** False when the run has no database server to create one on (embedded test server). */
  isolated: boolean;
  /** Tables in its public schema. */
  tables(): Promise<number>;
  drop(): Promise<void>;
}

async function onServer<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A database for one test alone, as a user with a local PostgreSQL has: a new, empty database on
 * the test run's server (dropped by `drop`), or, when the run uses its embedded server, the run's
 * own database (`isolated: false`).
 */
export async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const server = process.env['TEST_DATABASE_SERVER_URL'];
  const shared = process.env['TEST_DATABASE_URL'];
  if (!server) {
    if (!shared) throw new Error('TEST_DATABASE_URL is not set: run tests through jest');
    return {
      url: shared,
      isolated: false,
      tables: () => Promise.reject(new Error('the shared test database is not empty')),
      drop: () => Promise.resolve(),
    };
  }
  const name = `finserve_${prefix}_${Date.now()}_${process.pid}`;
  await onServer(server, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    isolated: true,
    tables: () =>
      onServer(url.toString(), async (client) => {
        const { rows } = await client.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema = 'public'`,
        );
        return rows[0].count;
      }),
    drop: () =>
      onServer(server, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      }),
  };
}

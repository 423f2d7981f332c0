import { Client } from 'pg';

// eslint-disable-next-line @nx/enforce-module-boundaries -- global teardown runs outside jest's module map
import type { EmbeddedPostgres } from '../../../libs/api/database/src/lib/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __EMBEDDED_PG__?: EmbeddedPostgres }).__EMBEDDED_PG__;
  if (embedded) {
    await embedded.stop();
    return;
  }
  const serverUrl = process.env['TEST_DATABASE_SERVER_URL'];
  const name = process.env['TEST_DATABASE_NAME'];
  if (!serverUrl || !name || process.env['KEEP_TEST_DATABASE']) return;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const workers = Number(process.env['TEST_DATABASE_WORKERS'] ?? 0);
    for (let worker = 1; worker <= workers; worker++)
      await admin.query(
        `DROP DATABASE IF EXISTS ${admin.escapeIdentifier(`${name}_w${worker}`)} WITH (FORCE)`,
      );
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

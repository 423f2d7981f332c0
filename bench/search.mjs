#!/usr/bin/env node
// bench:search: searchStreams latency (full text + trigram on channel names, accent-insensitive)
// on a large table: SEARCH_STREAMS streams (default 100,000) of SEARCH_USERS channels (10,000),
// English and French titles, inserted with SQL into a fresh database, then each query loaded with
// autocannon against the built API in its own process. Needs DATABASE_URL (a PostgreSQL server:
// the bench creates a database on it).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:search
//   SEARCH_STREAMS=500000 CONNECTIONS=20 DURATION=10 DATABASE_URL=... npm run bench:search
import { cpus } from 'node:os';

import autocannon from 'autocannon';
import pg from 'pg';

import { freshDatabase, gql, startApi } from './support.mjs';

const STREAMS = Number(process.env.SEARCH_STREAMS ?? 100_000);
const USERS = Number(process.env.SEARCH_USERS ?? 10_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const DURATION = Number(process.env.DURATION ?? 5);
const QUERIES = ['eur usd', 'energie', 'petrole brent', 'trader_42', 'options gamma', 'lond'];
const SEARCH = `query S($q: String!) { searchStreams(query: $q, limit: 24) { id title status
  streamer { id username displayName } category { slug } } }`;

/** Streams and channels, seeded with SQL (the bench's own fixture, not product code). */
async function seed(databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = Date.now();
  await db.query(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT 'trader_' || n, (ARRAY['Anne','Bruno','Chloé','Dmitri','Émile','Fatima'])[1 + n % 6] || ' ' || n, 'x'
       FROM generate_series(1, $1) AS n`,
    [USERS],
  );
  await db.query(
    `INSERT INTO streams (streamer_id, title, description, status, started_at, ended_at, category_slug, tags)
     SELECT u.id,
            (ARRAY['EUR/USD London open','Énergie : le pétrole','Options gamma squeeze','Bitcoin weekly',
                   'Les taux de la BCE','NVDA earnings','Or et argent','Futures du soir'])[1 + n % 8] || ' #' || n,
            (ARRAY['Brent, WTI et gaz','Scalping the open','Macro et devises', null])[1 + n % 4],
            CASE WHEN n <= $3 THEN 'LIVE' ELSE 'ENDED' END,
            now() - make_interval(mins => n % 5000),
            CASE WHEN n <= $3 THEN NULL ELSE now() - make_interval(mins => n % 5000) + interval '1 hour' END,
            (ARRAY['forex','commodities','options','crypto','macro','stocks','commodities','futures'])[1 + n % 8],
            ARRAY[(ARRAY['eur-usd','brent','gamma','btc','bce','nvda','gold','es'])[1 + n % 8]]
       FROM generate_series(1, $1) AS n,
            (SELECT array_agg(id ORDER BY created_at, id) AS ids FROM users WHERE username LIKE 'trader\\_%') AS c
       JOIN LATERAL (SELECT c.ids[1 + n % $2] AS id) u ON true`,
    [STREAMS, USERS, Math.min(USERS, 2000)],
  );
  await db.query('ANALYZE users; ANALYZE streams');
  await db.end();
  return (Date.now() - started) / 1000;
}

async function main() {
  if (!process.env.DATABASE_URL)
    throw new Error('bench:search needs DATABASE_URL (a PostgreSQL server)');
  const databaseUrl = await freshDatabase(process.env.DATABASE_URL);
  const api = await startApi(databaseUrl);
  const url = api.url;
  const seconds = await seed(databaseUrl);
  console.log(
    `bench:search: ${STREAMS} streams of ${USERS} channels seeded in ${seconds.toFixed(1)} s; ${CONNECTIONS} connections, ${DURATION} s per query, ${cpus().length} cores`,
  );
  let failed = false;
  for (const q of QUERIES) {
    const found = (await gql(url, SEARCH, { q })).searchStreams.length;
    const result = await autocannon({
      url: `${url}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SEARCH, variables: { q } }),
      connections: CONNECTIONS,
      duration: DURATION,
    });
    failed ||= result.non2xx > 0 || result.errors > 0;
    console.log(
      `${JSON.stringify(q).padEnd(16)} ${String(found).padStart(2)} results  ${result.requests.average.toFixed(0).padStart(5)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  (${result.non2xx} non-2xx, ${result.errors} errors)`,
    );
  }
  await api.stop();
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

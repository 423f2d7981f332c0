import type { MigrationInterface, QueryRunner } from 'typeorm';

import { SEARCH_FUNCTIONS_DOWN, SEARCH_FUNCTIONS_UP } from '@finserve/api/database';

/**
 * Discovery (issue 19): categories (owned by the streams lib, seeded here with the traders' eight;
 * `name` is the English name, the web client shows its own translation by slug), a stream's
 * category and tags, a channel's bio (users, owned by the auth lib), and search: the unaccent and
 * pg_trgm extensions (both in Debian's PostgreSQL and in the embedded one of the quick start, both
 * "trusted", so the database owner may create them), a generated tsvector per stream with its GIN
 * index, and trigram indexes on the names searchStreams matches.
 */
export class AddDiscovery1765100000000 implements MigrationInterface {
  name = 'AddDiscovery1765100000000';

  async up(db: QueryRunner): Promise<void> {
    for (const sql of SEARCH_FUNCTIONS_UP) await db.query(sql);

    await db.query(`
      CREATE TABLE categories (
        slug     varchar(32) PRIMARY KEY CHECK (slug ~ '^[a-z0-9-]{1,32}$'),
        name     varchar(64) NOT NULL,
        position integer NOT NULL
      )`);
    await db.query(`
      INSERT INTO categories (slug, name, position) VALUES
        ('forex', 'Forex', 1), ('crypto', 'Crypto', 2), ('stocks', 'Stocks', 3),
        ('options', 'Options', 4), ('futures', 'Futures', 5), ('commodities', 'Commodities', 6),
        ('macro', 'Macro', 7), ('education', 'Education', 8)`);

    await db.query(`
      ALTER TABLE streams
        ADD COLUMN category_slug varchar(32) REFERENCES categories (slug),
        ADD COLUMN tags varchar(25)[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
        ADD COLUMN search_document tsvector GENERATED ALWAYS AS
          (finserve_search_document(title, description, tags::text[], category_slug)) STORED`);
    await db.query(`CREATE INDEX streams_search ON streams USING gin (search_document)`);
    // liveStreams(category:) and the categories' live counts.
    await db.query(
      `CREATE INDEX streams_live_by_category ON streams (category_slug, viewer_count DESC, started_at, id) WHERE status = 'LIVE'`,
    );
    // recentReplays: every ENDED stream, most recently ended first.
    await db.query(
      `CREATE INDEX streams_recently_ended ON streams (ended_at DESC, id DESC) WHERE status = 'ENDED'`,
    );
    // User.pastStreams: a channel's ENDED streams, newest first.
    await db.query(
      `CREATE INDEX streams_past_by_streamer ON streams (streamer_id, ended_at DESC, id DESC) WHERE status = 'ENDED'`,
    );

    await db.query(
      `ALTER TABLE users ADD COLUMN bio varchar(300) CHECK (bio IS NULL OR char_length(bio) <= 300)`,
    );
    await db.query(
      `CREATE INDEX users_username_trgm ON users USING gin (finserve_unaccent(username) gin_trgm_ops)`,
    );
    await db.query(
      `CREATE INDEX users_display_name_trgm ON users USING gin (finserve_unaccent(display_name) gin_trgm_ops)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX users_display_name_trgm`);
    await db.query(`DROP INDEX users_username_trgm`);
    await db.query(`ALTER TABLE users DROP COLUMN bio`);
    await db.query(`DROP INDEX streams_past_by_streamer`);
    await db.query(`DROP INDEX streams_recently_ended`);
    await db.query(`DROP INDEX streams_live_by_category`);
    await db.query(`DROP INDEX streams_search`);
    await db.query(
      `ALTER TABLE streams DROP COLUMN search_document, DROP COLUMN tags, DROP COLUMN category_slug`,
    );
    await db.query(`DROP TABLE categories`);
    for (const sql of SEARCH_FUNCTIONS_DOWN) await db.query(sql);
  }
}

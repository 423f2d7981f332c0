/**
 * Database functions of full-text and name search, installed by the migration that adds search
 * (migrations/1765100000000-AddDiscovery.ts). Both are IMMUTABLE so indexes and generated columns
 * can use them: unaccent() itself is only STABLE because its dictionary could change; we pin it.
 *
 * - finserve_unaccent(text): lowercased, accents removed ("Énergie" -> "energie").
 * - finserve_search_document(title, description, tags, category): the text of a stream that
 *   searchStreams matches with the 'simple' configuration (no stemming: titles are in English
 *   and French), punctuation turned into spaces first so "EUR/USD" indexes as "eur" and "usd"
 *   (the default parser would keep "eur/usd" as one file-path token).
 */
export const SEARCH_FUNCTIONS_UP = [
  `CREATE EXTENSION IF NOT EXISTS unaccent`,
  `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
  `CREATE FUNCTION finserve_unaccent(value text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
     RETURN lower(unaccent('unaccent'::regdictionary, value))`,
  `CREATE FUNCTION finserve_search_document(title text, description text, tags text[], category text)
     RETURNS tsvector
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     RETURN
       setweight(to_tsvector('simple', regexp_replace(finserve_unaccent(coalesce(title, '')), '[^[:alnum:]]+', ' ', 'g')), 'A')
       || setweight(to_tsvector('simple', regexp_replace(finserve_unaccent(array_to_string(coalesce(tags, '{}'), ' ') || ' ' || coalesce(category, '')), '[^[:alnum:]]+', ' ', 'g')), 'B')
       || setweight(to_tsvector('simple', regexp_replace(finserve_unaccent(coalesce(description, '')), '[^[:alnum:]]+', ' ', 'g')), 'C')`,
];

export const SEARCH_FUNCTIONS_DOWN = [
  `DROP FUNCTION IF EXISTS finserve_search_document(text, text, text[], text)`,
  `DROP FUNCTION IF EXISTS finserve_unaccent(text)`,
];

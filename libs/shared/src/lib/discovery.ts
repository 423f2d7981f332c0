/**
 * Discovery rules shared by the API (validation) and the web client (the same checks as you type):
 * categories, tags, channel bios, search queries.
 */

/** The categories the platform starts with (seeded by the migration, in this order). */
export const CATEGORY_SLUGS = [
  'forex',
  'crypto',
  'stocks',
  'options',
  'futures',
  'commodities',
  'macro',
  'education',
] as const;

/** Contract Stream.tags: 0..10 tags, each 1..25 chars of [a-z0-9-] (lowercased on input). */
export const MAX_TAGS = 10;
export const TAG_MAX_LENGTH = 25;
export const TAG_PATTERN = /^[a-z0-9-]{1,25}$/;

/** Contract User.bio: 0..300 chars, plain text. */
export const BIO_MAX_LENGTH = 300;

/** searchStreams: 1..100 chars after trimming. */
export const SEARCH_QUERY_MAX_LENGTH = 100;

export type TagsResult = { tags: string[] } | { problem: string };

/**
 * Normalizes tags as typed: trimmed, lowercased, inner spaces and underscores become "-", a
 * leading "#" is dropped, empty entries are ignored and repeats kept once (first position). The
 * result must then be at most 10 tags of 1..25 chars of [a-z0-9-], else a problem is returned
 * (nothing is silently cut: a streamer's tag is not changed behind their back beyond case and
 * spacing).
 */
export function normalizeTags(input: readonly string[]): TagsResult {
  const tags: string[] = [];
  for (const raw of input) {
    const tag = raw
      .trim()
      .replace(/^#+/, '')
      .toLowerCase()
      .replace(/[\s_]+/g, '-');
    if (!tag) continue;
    if (!TAG_PATTERN.test(tag)) {
      return {
        problem: `tag "${tag.slice(0, 40)}" must be 1..${TAG_MAX_LENGTH} characters of a-z, 0-9 and "-"`,
      };
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > MAX_TAGS) return { problem: `at most ${MAX_TAGS} tags` };
  return { tags };
}

/**
 * The words of a search query: lowercased, split on anything that is not a letter or a digit
 * (so "EUR/USD" is "eur" and "usd"), at most 8 words. Accents are kept here; the database removes
 * them on both sides (unaccent).
 */
export function searchWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, 8);
}

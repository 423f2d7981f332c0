import type { StreamCardFragment } from './graphql.generated';

/**
 * The live list after a `liveStreamsChanged` event (pure: unit-tested): a stream that went
 * live joins, one that is no longer LIVE leaves, and a changed one is replaced in place.
 */
export function applyStreamChange(
  list: readonly StreamCardFragment[],
  changed: StreamCardFragment,
): StreamCardFragment[] {
  const rest = list.filter((stream) => stream.id !== changed.id);
  return changed.status === 'LIVE' ? [...rest, changed] : rest;
}

/** Most viewers first; ties by the earlier start, then id (stable across updates). */
export function byViewers(list: readonly StreamCardFragment[]): StreamCardFragment[] {
  return [...list].sort(
    (a, b) =>
      b.viewerCount - a.viewerCount ||
      (a.startedAt ?? '').localeCompare(b.startedAt ?? '') ||
      a.id.localeCompare(b.id),
  );
}

/**
 * The upcoming list after a `liveStreamsChanged` event (pure: unit-tested): a stream reported in
 * any state but SCHEDULED (it went live) leaves; null when the list is unchanged.
 */
export function withoutStarted(
  list: readonly StreamCardFragment[],
  changed: StreamCardFragment,
): StreamCardFragment[] | null {
  if (changed.status === 'SCHEDULED' || !list.some((stream) => stream.id === changed.id))
    return null;
  return list.filter((stream) => stream.id !== changed.id);
}

/** The streams of one category (all of them when `slug` is null). */
export function inCategory(
  list: readonly StreamCardFragment[],
  slug: string | null,
): readonly StreamCardFragment[] {
  return slug ? list.filter((stream) => stream.category?.slug === slug) : list;
}

import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';

/**
 * Public queries whose answer is the same for every anonymous caller: the stream lists and the
 * categories. (Not `stream`, `user` or `clips`: their counts are exact at once for anyone.)
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'liveStreams',
  'upcomingStreams',
  'recentReplays',
  'categories',
  'searchStreams',
]);

/** How long an answer is served from memory (and by HTTP caches: Cache-Control max-age). */
export const RESPONSE_CACHE_SECONDS = 1;

/** The key of an anonymous query whose root fields are all cacheable; null otherwise. */
export function cacheKeyOf(request: {
  operation: OperationDefinitionNode;
  queryHash: string;
  operationName: string | null;
  variables?: Record<string, unknown>;
}): string | null {
  const { operation } = request;
  if (operation.operation !== OperationTypeNode.QUERY) return null;
  for (const selection of operation.selectionSet.selections) {
    // A fragment at the root or a field outside the set: not cached (no need to expand them).
    if (selection.kind !== Kind.FIELD || !CACHEABLE_ROOT_FIELDS.has(selection.name.value))
      return null;
    if (selection.directives?.length) return null;
  }
  return `${request.queryHash}:${request.operationName ?? ''}:${stableJson(request.variables ?? {})}`;
}

/** JSON with object keys sorted, so equal variables give one key whatever their order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What of a stream, as carried by its events, shows in the lists other than its counts: when it
 * changes (went live, ended, renamed, new thumbnail...), cached lists are dropped at once.
 */
export function listSignature(event: {
  status: string;
  title: string;
  description: string | null;
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  thumbnailUpdatedAt: string | null;
  categorySlug: string | null;
  tags: readonly string[];
}): string {
  return JSON.stringify([
    event.status,
    event.title,
    event.description,
    event.scheduledFor,
    event.startedAt,
    event.endedAt,
    event.thumbnailUpdatedAt,
    event.categorySlug,
    event.tags,
  ]);
}

interface Entry<T> {
  generation: number;
  expiresAt: number;
  value: T;
}

/**
 * Answers kept in memory for `ttlMs`, at most `capacity` of them (the oldest goes first), all
 * dropped at once by `invalidate()`.
 */
export class ResponseCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.generation !== this.generation || entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** `generation`: the one current when the answer's computation started (see `generation`). */
  set(key: string, value: T, generation: number): void {
    if (generation !== this.generation) return; // invalidated while it was computed
    this.entries.delete(key);
    this.entries.set(key, { generation, expiresAt: this.now() + this.ttlMs, value });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** The current generation: pass it to `set` for an answer computed from now on. */
  current(): number {
    return this.generation;
  }

  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
  }
}

import DataLoader from 'dataloader';

/**
 * One DataLoader per GraphQL context (per HTTP request, per graphql-ws operation), created on
 * first use. Caching is off: a subscription's context lives across events, and a cached row would
 * be stale on the next event; batching (the point: one query per field per tick) is kept.
 */
export class ContextLoader<K, V> {
  private readonly loaders = new WeakMap<object, DataLoader<K, V>>();

  constructor(private readonly batch: (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>) {}

  for(context: object): DataLoader<K, V> {
    let loader = this.loaders.get(context);
    if (!loader) {
      loader = new DataLoader<K, V>((keys) => this.batch(keys), { cache: false });
      this.loaders.set(context, loader);
    }
    return loader;
  }
}

/** Orders rows by the keys they were asked for; a missing key yields `fallback`. */
export function byKeys<K, R, V = R | null>(
  keys: readonly K[],
  rows: readonly R[],
  keyOf: (row: R) => K,
  fallback: (key: K) => V = () => null as V,
  map: (row: R) => V = (row) => row as unknown as V,
): V[] {
  const index = new Map<K, R>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((key) => {
    const row = index.get(key);
    return row === undefined ? fallback(key) : map(row);
  });
}

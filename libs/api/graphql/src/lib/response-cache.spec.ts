import { parse, type OperationDefinitionNode } from 'graphql';

import { cacheKeyOf, listSignature, ResponseCache, stableJson } from './response-cache';

const operation = (source: string): OperationDefinitionNode =>
  parse(source).definitions[0] as OperationDefinitionNode;

const key = (source: string, variables?: Record<string, unknown>) =>
  cacheKeyOf({ operation: operation(source), queryHash: 'h', operationName: null, variables });

describe('cacheKeyOf', () => {
  it('keys queries of public lists only', () => {
    expect(key('{ liveStreams(limit: 3) { id } categories { slug } }')).toBe('h::{}');
    expect(key('{ liveStreams { id } me { id } }')).toBeNull();
    expect(key('{ stream(id: "x") { id } }')).toBeNull();
    expect(key('mutation { logout }')).toBeNull();
    expect(key('subscription { liveStreamsChanged { id } }')).toBeNull();
    expect(key('{ ...F } fragment F on Query { liveStreams { id } }')).toBeNull();
    expect(key('{ liveStreams @include(if: true) { id } }')).toBeNull();
  });

  it('gives equal variables one key whatever their order', () => {
    expect(key('{ liveStreams { id } }', { a: 1, b: { d: [1, 2], c: null } })).toBe(
      key('{ liveStreams { id } }', { b: { c: null, d: [1, 2] }, a: 1 }),
    );
    expect(key('{ liveStreams { id } }', { a: 1 })).not.toBe(
      key('{ liveStreams { id } }', { a: 2 }),
    );
    expect(stableJson({ b: 1, a: undefined, c: 'x' })).toBe('{"b":1,"c":"x"}');
  });
});

describe('ResponseCache', () => {
  it('serves an answer until it expires', () => {
    let now = 1000;
    const cache = new ResponseCache<string>(1000, 10, () => now);
    cache.set('k', 'v', cache.current());
    expect(cache.get('k')).toBe('v');
    now += 999;
    expect(cache.get('k')).toBe('v');
    now += 1;
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops everything on invalidate, and refuses an answer computed before it', () => {
    const cache = new ResponseCache<string>(1000, 10);
    const before = cache.current();
    cache.set('a', '1', before);
    cache.invalidate();
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 'stale', before); // started before the invalidation
    expect(cache.get('b')).toBeUndefined();
    cache.set('b', 'fresh', cache.current());
    expect(cache.get('b')).toBe('fresh');
  });

  it('keeps at most `capacity` answers, the oldest going first', () => {
    const cache = new ResponseCache<number>(60_000, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
  });
});

describe('listSignature', () => {
  const event = {
    status: 'LIVE',
    title: 'Open',
    description: null,
    scheduledFor: null,
    startedAt: '2026-11-29T00:00:00.000Z',
    endedAt: null,
    thumbnailUpdatedAt: null,
    categorySlug: 'forex',
    tags: ['eurusd'],
  };

  it('changes with what a list shows, not with counts', () => {
    expect(listSignature({ ...event, viewerCount: 5 } as typeof event)).toBe(
      listSignature({ ...event, viewerCount: 9 } as typeof event),
    );
    expect(listSignature({ ...event, status: 'ENDED' })).not.toBe(listSignature(event));
    expect(listSignature({ ...event, title: 'Close' })).not.toBe(listSignature(event));
    expect(listSignature({ ...event, thumbnailUpdatedAt: 'x' })).not.toBe(listSignature(event));
  });
});

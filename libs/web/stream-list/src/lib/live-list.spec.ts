import type { StreamCardFragment } from './graphql.generated';
import { applyStreamChange, byViewers, inCategory, withoutStarted } from './live-list';

const stream = (
  id: string,
  viewerCount: number,
  status: StreamCardFragment['status'] = 'LIVE',
): StreamCardFragment => ({
  id,
  title: id,
  status,
  viewerCount,
  scheduledFor: null,
  startedAt: `2026-01-01T00:00:0${id.length}Z`,
  thumbnailUrl: null,
  tags: [],
  category: null,
  streamer: { id: `u${id}`, username: `u${id}`, displayName: `U ${id}` },
});

describe('applyStreamChange', () => {
  it('adds a stream that went live', () => {
    expect(applyStreamChange([stream('a', 1)], stream('b', 0)).map((s) => s.id)).toEqual([
      'a',
      'b',
    ]);
  });

  it('removes a stream that ended', () => {
    expect(applyStreamChange([stream('a', 1), stream('b', 2)], stream('a', 0, 'ENDED'))).toEqual([
      stream('b', 2),
    ]);
  });

  it('replaces a stream whose viewer count changed, without duplicating it', () => {
    const list = applyStreamChange([stream('a', 1), stream('b', 2)], stream('a', 5));
    expect(list.map((s) => [s.id, s.viewerCount])).toEqual([
      ['b', 2],
      ['a', 5],
    ]);
  });
});

describe('byViewers', () => {
  it('puts the most watched first and keeps ties stable', () => {
    const sorted = byViewers([stream('a', 1), stream('b', 9), stream('c', 1), stream('d', 3)]);
    expect(sorted.map((s) => s.id)).toEqual(['b', 'd', 'a', 'c']);
  });
});

describe('withoutStarted', () => {
  const upcoming = [stream('a', 0, 'SCHEDULED'), stream('b', 0, 'SCHEDULED')];

  it('removes an upcoming stream that went live', () => {
    expect(withoutStarted(upcoming, stream('a', 0, 'LIVE'))).toEqual([upcoming[1]]);
  });

  it('leaves the list alone (null) for streams it does not hold or that are still scheduled', () => {
    expect(withoutStarted(upcoming, stream('z', 3, 'LIVE'))).toBeNull();
    expect(withoutStarted(upcoming, stream('b', 0, 'SCHEDULED'))).toBeNull();
  });
});

describe('inCategory', () => {
  it('keeps the streams of the chosen category, or every stream without one', () => {
    const fx = { ...stream('a', 1), category: { slug: 'forex', name: 'Forex' } };
    const btc = { ...stream('b', 2), category: { slug: 'crypto', name: 'Crypto' } };
    const none = stream('c', 3);
    expect(inCategory([fx, btc, none], 'crypto')).toEqual([btc]);
    expect(inCategory([fx, btc, none], null)).toEqual([fx, btc, none]);
  });
});

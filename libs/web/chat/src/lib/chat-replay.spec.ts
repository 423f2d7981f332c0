import { formatOffset, needsMore, replayOffset, toReplay, visibleAt } from './chat-replay';
import type { ChatMessageFieldsFragment } from './graphql.generated';

const START = '2026-01-01T10:00:00.000Z';
const at = (id: string, seconds: number, deleted = false): ChatMessageFieldsFragment => ({
  id,
  streamId: 's',
  type: 'TEXT',
  body: deleted ? '' : `m${id}`,
  deleted,
  createdAt: new Date(Date.parse(START) + seconds * 1000).toISOString(),
  author: { id: 'u', username: 'u', displayName: 'U' },
  tip: null,
});

describe('replayOffset', () => {
  it('measures from the recording start, to the millisecond', () => {
    expect(replayOffset('2026-01-01T10:00:10.250Z', START)).toBe(10.25);
    expect(replayOffset('2026-01-01T09:59:58.000Z', START)).toBe(-2);
  });
});

describe('visibleAt', () => {
  const timeline = toReplay(
    [at('1', -3), at('2', 4), at('3', 10), at('4', 10.5), at('5', 30)],
    START,
  );

  it('shows only what was said up to the position: a message at 10 s is absent at 9.9 s and present at 10 s', () => {
    expect(visibleAt(timeline, 9.9).map((m) => m.id)).toEqual(['1', '2']);
    expect(visibleAt(timeline, 10).map((m) => m.id)).toEqual(['1', '2', '3']);
  });

  it('follows seeks both ways: back removes the later messages, forward adds the passed ones', () => {
    expect(visibleAt(timeline, 31).map((m) => m.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(visibleAt(timeline, 5).map((m) => m.id)).toEqual(['1', '2']);
    expect(visibleAt(timeline, 0).map((m) => m.id)).toEqual(['1']);
  });

  it('keeps only the newest `max`', () => {
    expect(visibleAt(timeline, 100, 2).map((m) => m.id)).toEqual(['4', '5']);
  });

  it('orders by time even when ids and times disagree by a few milliseconds', () => {
    const close = toReplay([at('1', 5.002), at('2', 5.001), at('3', 6)], START);
    expect(visibleAt(close, 5.0015).map((m) => m.id)).toEqual(['2']);
  });

  it('leaves out removed messages', () => {
    const withRemoved = toReplay([at('1', 1), at('2', 2, true), at('3', 3)], START);
    expect(visibleAt(withRemoved, 10).map((m) => m.id)).toEqual(['1', '3']);
  });
});

describe('needsMore', () => {
  it('reads a first page, then more while the loaded part ends within the lookahead', () => {
    expect(needsMore(null, 0, false)).toBe(true);
    expect(needsMore(30, 0, false, 60)).toBe(true);
    expect(needsMore(61, 0, false, 60)).toBe(false);
    expect(needsMore(61, 10, false, 60)).toBe(true);
  });

  it('never reads past the end of the history', () => {
    expect(needsMore(null, 0, true)).toBe(false);
    expect(needsMore(5, 500, true)).toBe(false);
  });
});

describe('formatOffset', () => {
  it('prints m:ss, h:mm:ss past an hour, and 0:00 before the recording', () => {
    expect(formatOffset(9.7)).toBe('0:09');
    expect(formatOffset(125)).toBe('2:05');
    expect(formatOffset(3725)).toBe('1:02:05');
    expect(formatOffset(-4)).toBe('0:00');
  });
});

import { compareIds, lastMessageId, mergeMessages } from './chat-timeline';
import type { ChatMessageFieldsFragment } from './graphql.generated';

const message = (id: string, body = `m${id}`, deleted = false): ChatMessageFieldsFragment => ({
  id,
  streamId: 's',
  type: 'TEXT',
  body: deleted ? '' : body,
  deleted,
  createdAt: '2026-01-01T00:00:00Z',
  author: { id: 'u', username: 'u', displayName: 'U' },
  tip: null,
});

describe('mergeMessages', () => {
  it('shows a message once when it arrives live and again in the catch-up after a reconnect', () => {
    const live = mergeMessages([message('1'), message('2')], [message('3')]);
    const caughtUp = mergeMessages(live, [message('3'), message('4'), message('5')]);
    expect(caughtUp.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('orders by id whatever the arrival order (numeric ids by value)', () => {
    const merged = mergeMessages([message('10')], [message('9'), message('100'), message('11')]);
    expect(merged.map((m) => m.id)).toEqual(['9', '10', '11', '100']);
  });

  it('replaces a message by its deleted state, and an older copy never brings the body back', () => {
    const deleted = mergeMessages([message('1', 'rude')], [message('1', '', true)]);
    expect(deleted[0]).toMatchObject({ deleted: true, body: '' });
    expect(mergeMessages(deleted, [message('1', 'rude')])[0]).toMatchObject({ deleted: true });
  });

  it('keeps only the newest `max` messages', () => {
    const many = Array.from({ length: 10 }, (_, i) => message(String(i + 1)));
    expect(mergeMessages([], many, 3).map((m) => m.id)).toEqual(['8', '9', '10']);
  });
});

describe('compareIds / lastMessageId', () => {
  it('compares numeric ids by value and others as text', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('b', 'a')).toBeGreaterThan(0);
  });

  it('catches up after the newest known message', () => {
    expect(lastMessageId([message('1'), message('7')])).toBe('7');
    expect(lastMessageId([])).toBeUndefined();
  });
});

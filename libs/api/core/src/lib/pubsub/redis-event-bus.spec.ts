import { decodeEvent, encodeEvent } from './redis-event-bus';

describe('event encoding between instances', () => {
  it('keeps Dates as Dates, at any depth, and everything else as JSON', () => {
    const at = new Date('2026-11-24T12:00:00.123Z');
    const event = {
      id: '42',
      createdAt: at,
      nested: { endedAt: at, list: [at, 1, 'two', null] },
      text: '2026-11-24T12:00:00.123Z',
    };
    const decoded = decodeEvent(encodeEvent(event)) as typeof event;
    expect(decoded).toEqual(event);
    expect(decoded.createdAt).toBeInstanceOf(Date);
    expect(decoded.nested.list[0]).toBeInstanceOf(Date);
    expect(typeof decoded.text).toBe('string');
  });

  it('leaves objects that merely contain a $date key among others alone', () => {
    expect(decodeEvent('{"$date":"x","other":1}')).toEqual({ $date: 'x', other: 1 });
  });
});

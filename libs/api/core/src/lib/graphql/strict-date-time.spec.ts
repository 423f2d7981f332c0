import { parseStrictDateTime } from './strict-date-time';

describe('parseStrictDateTime', () => {
  it('takes RFC 3339 date-times, with a fraction or an offset', () => {
    expect(parseStrictDateTime('2026-01-31T18:00:00Z').toISOString()).toBe(
      '2026-01-31T18:00:00.000Z',
    );
    expect(parseStrictDateTime('2024-02-29T23:59:59.5+01:00').toISOString()).toBe(
      '2024-02-29T22:59:59.500Z',
    );
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01',
    '2026-01-01T00:00:00',
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    'next tuesday',
    '',
    1767225600000,
    null,
  ])('refuses %p', (value) => {
    expect(() => parseStrictDateTime(value)).toThrow(/RFC 3339/);
  });
});

import { formatCents, formatCount, formatDuration, hueOf, initialsOf } from './format';

describe('format', () => {
  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
  });

  it('formats cents as money', () => {
    expect(formatCents(1050)).toBe('$10.50');
    expect(formatCents(950, 'USD')).toBe('$9.50');
  });

  it('abbreviates large viewer counts', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1250)).toBe('1.3K');
  });

  it('derives a stable hue and initials for placeholders', () => {
    expect(hueOf('stream-1')).toBe(hueOf('stream-1'));
    expect(hueOf('x')).toBeGreaterThanOrEqual(0);
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('trader')).toBe('T');
    expect(initialsOf('  ')).toBe('');
  });
});

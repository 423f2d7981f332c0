import {
  formatCents,
  formatCount,
  formatDateTime,
  formatDuration,
  hueOf,
  initialsOf,
} from './format';

/** Intl separates with (narrow) no-break spaces: compare with plain ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('format', () => {
  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
  });

  it('formats cents as money in US English by default', () => {
    expect(formatCents(1050)).toBe('$10.50');
    expect(formatCents(950, 'USD')).toBe('$9.50');
  });

  it('formats money the French way, in the currency the amount is in', () => {
    expect(plain(formatCents(1234, 'EUR', 'fr'))).toBe('12,34 €');
    expect(plain(formatCents(1234, 'USD', 'fr'))).toBe('12,34 $US');
    expect(plain(formatCents(123456, 'USD', 'fr'))).toBe('1 234,56 $US');
  });

  it('shows yen without decimals (whole yen amounts)', () => {
    expect(formatCents(1234, 'JPY')).toBe('¥1,234');
    expect(plain(formatCents(1234, 'JPY', 'fr'))).toMatch(/^1 234 (JPY|¥)$/);
  });

  it('abbreviates large viewer counts in the locale', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1250)).toBe('1.3K');
    expect(plain(formatCount(1250, 'fr'))).toBe('1,3 k');
  });

  it('shows a date and time with its time zone', () => {
    const at = '2026-11-28T14:30:00Z';
    expect(formatDateTime(at)).toBe('Sat, Nov 28, 02:30 PM UTC');
    expect(formatDateTime(at, 'fr')).toBe('sam. 28 nov., 14:30 UTC');
  });

  it('derives a stable hue and initials for placeholders', () => {
    expect(hueOf('stream-1')).toBe(hueOf('stream-1'));
    expect(hueOf('x')).toBeGreaterThanOrEqual(0);
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('trader')).toBe('T');
    expect(initialsOf('  ')).toBe('');
  });

  it('takes initials from letters only, never punctuation', () => {
    expect(initialsOf('Alice (demo)')).toBe('AD');
    expect(initialsOf('(demo) bot_42')).toBe('DB');
    expect(initialsOf('élise')).toBe('É');
    expect(initialsOf('42 ~ !')).toBe('');
  });
});

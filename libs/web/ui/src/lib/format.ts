/** 1:02:03 / 4:05 style (pure: unit-tested). The same in every language the app speaks. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * Money from integer cents in the locale's way: `$12.34` (en-US), `12,34 $US` (fr); the
 * currency's own decimals (none for JPY: its amounts are whole yen).
 */
export function formatCents(amountCents: number, currency = 'USD', locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(decimals === 0 ? amountCents : amountCents / 100);
}

/** 1.2K / 1,2 k style for viewer counts. */
export function formatCount(value: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(
    value,
  );
}

/** A date and time with its time zone, e.g. `Sat, Nov 28, 02:30 PM UTC` / `sam. 28 nov., 14:30 UTC`. */
export function formatDateTime(value: string | number | Date, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(value));
}

/** A stable hue (0..359) from any text: the placeholder colours of a stream. */
export function hueOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}

/** Up to two initials from a display name, letters only: "Alice (demo)" is "AD". */
export function initialsOf(name: string): string {
  const words = name.split(/[^\p{L}]+/u).filter(Boolean);
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return picked
    .map((word) => [...(word ?? '')][0] ?? '')
    .join('')
    .toLocaleUpperCase();
}

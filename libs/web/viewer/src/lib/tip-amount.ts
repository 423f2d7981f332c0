export const TIP_PRESETS_CENTS = [500, 1000, 2500, 5000, 10000] as const;
export const TIP_MIN_CENTS = 100;
export const TIP_MAX_CENTS = 1_000_000;

/**
 * Cents from what the user typed as a custom amount ("12", "12.5", "$12.50") or an error
 * message (pure: unit-tested).
 */
export function parseTipAmount(raw: string): { cents: number } | { error: string } {
  const text = raw.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return { error: 'Enter an amount like 12 or 12.50' };
  const [whole = '0', fraction = ''] = text.split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents < TIP_MIN_CENTS) return { error: 'The smallest tip is $1.00' };
  if (cents > TIP_MAX_CENTS) return { error: 'The largest tip is $10,000.00' };
  return { cents };
}

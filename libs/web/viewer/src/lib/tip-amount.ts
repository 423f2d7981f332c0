export const TIP_PRESETS_CENTS = [500, 1000, 2500, 5000, 10000] as const;
export const TIP_MIN_CENTS = 100;
export const TIP_MAX_CENTS = 1_000_000;

/** Why a custom amount is refused; the dialog words it in the user's language. */
export type TipAmountError = 'FORMAT' | 'TOO_SMALL' | 'TOO_LARGE';

/**
 * Cents from what the user typed as a custom amount ("12", "12.5", "$12.50", "1,234.56", or
 * the French "12,50" and "1 234,56") or why it is refused (pure: unit-tested).
 */
export function parseTipAmount(raw: string): { cents: number } | { error: TipAmountError } {
  let text = raw
    .trim()
    .replace(/^\$|\$$/g, '')
    .replace(/[\s\u00a0\u202f]/g, '');
  // A comma followed by one or two digits at the end, without a dot, is a decimal comma.
  if (/^\d+,\d{1,2}$/.test(text)) text = text.replace(',', '.');
  else text = text.replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return { error: 'FORMAT' };
  const [whole = '0', fraction = ''] = text.split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents < TIP_MIN_CENTS) return { error: 'TOO_SMALL' };
  if (cents > TIP_MAX_CENTS) return { error: 'TOO_LARGE' };
  return { cents };
}

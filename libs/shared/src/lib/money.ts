/** ISO-4217 code shape (the accepted set comes from CURRENCIES). */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const TIP_MESSAGE_MAX_LENGTH = 200;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;

/**
 * The platform fee of a tip: `amountCents * feeBps / 10000`, rounded half up to the cent
 * (contract: fee = round(amountCents * 500 / 10000)). The one definition, used by the API and
 * checked against every stored tip by the ledger verification.
 */
export function platformFeeCents(amountCents: number, feeBps: number): number {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0)
    throw new RangeError('amountCents must be a non-negative integer');
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 10_000)
    throw new RangeError('feeBps must be 0..10000');
  // Integer arithmetic only: floor((a * bps + 5000) / 10000) is round-half-up for a >= 0.
  return Math.floor((amountCents * feeBps + 5_000) / 10_000);
}

/** One formatter per currency: building an Intl.NumberFormat costs ~0.1 ms, formatting µs. */
const formatters = new Map<string, Intl.NumberFormat>();

/** $12.34 style, for messages (cents in, text out). */
export function formatMoney(amountCents: number, currency: string): string {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    // Callers pass accepted currencies (CURRENCIES): a few. Bounded all the same.
    if (formatters.size < 64) formatters.set(currency, formatter);
  }
  return formatter.format(amountCents / 100);
}

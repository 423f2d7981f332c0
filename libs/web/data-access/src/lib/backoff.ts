/**
 * Wait before the n-th reconnect attempt (0-based): 0.5 s doubling up to 15 s, with up to 25 %
 * random jitter so a server restart does not get every client back in the same instant.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.25 * random()));
}

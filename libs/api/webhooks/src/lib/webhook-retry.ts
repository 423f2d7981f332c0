import { createHash } from 'node:crypto';

/** Longest wait between two attempts of a webhook delivery. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/** Seconds to wait after failed attempt `attempt` (1-based): base, 2 x base, 4 x base, ... 1 h. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.min(attempt - 1, 20));
}

/**
 * A job id (UUID-shaped, as pg-boss wants) unique per (webhook, event, attempt): a handler run
 * twice (a crash after it queued the next attempt) queues that attempt once, not a second chain.
 */
export function deliveryJobId(webhookId: string, eventId: string, attempt: number): string {
  const hex = createHash('sha256').update(`${webhookId}:${eventId}:${attempt}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

import type { PubSubEngine } from 'graphql-subscriptions';

/**
 * Injection token of the event bus that carries subscription events (provided by CoreModule).
 * In-memory (one process) by default; the Redis implementation replaces it when REDIS_URL is set.
 * Never `new PubSub()` at module level.
 */
export const PUB_SUB = Symbol('PUB_SUB');
export type EventBus = PubSubEngine;

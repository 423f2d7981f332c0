import type { ChatMessageFieldsFragment } from './graphql.generated';

/** Ids order messages within a stream (contract); numeric ids compare by value. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The messages of one chat, oldest first, each at most once (pure: unit-tested). History,
 * live messages and the catch-up after a reconnect all go through `merge`, so a message that
 * arrives twice (live and in the catch-up) is shown once, and a later state (deleted) wins.
 */
export function mergeMessages(
  current: readonly ChatMessageFieldsFragment[],
  incoming: readonly ChatMessageFieldsFragment[],
  max = 500,
): ChatMessageFieldsFragment[] {
  if (incoming.length === 0) return [...current];
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    // A deleted message stays deleted even if an older copy (not deleted) arrives later.
    byId.set(message.id, known?.deleted && !message.deleted ? known : message);
  }
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id)).slice(-max);
}

/** The id to catch up after (`chatMessages(after:)`), if any message is known. */
export function lastMessageId(messages: readonly ChatMessageFieldsFragment[]): string | undefined {
  return messages.at(-1)?.id;
}

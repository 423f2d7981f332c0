import type { ChatMessageFieldsFragment } from './graphql.generated';

/** A past message placed on the replay's timeline: `offset` seconds into the recording. */
export interface ReplayMessage {
  readonly message: ChatMessageFieldsFragment;
  readonly offset: number;
}

/** How far ahead of the playback position the replay keeps messages loaded, in seconds. */
export const REPLAY_LOOKAHEAD_SECONDS = 60;

/**
 * Seconds into the recording at which a message was sent (pure: unit-tested). The recording's
 * time 0 is when it started (its `createdAt`: the first publish, when the SFU starts writing),
 * not the stream's `startedAt` (a stream is LIVE from its creation, often before any media).
 */
export function replayOffset(messageCreatedAt: string, recordingStartedAt: string): number {
  return (Date.parse(messageCreatedAt) - Date.parse(recordingStartedAt)) / 1000;
}

/**
 * Places loaded messages (oldest first) on the timeline; removed messages are left out: a replay
 * shows what a moderator let stand.
 */
export function toReplay(
  messages: readonly ChatMessageFieldsFragment[],
  recordingStartedAt: string,
): ReplayMessage[] {
  return (
    messages
      .filter((message) => !message.deleted)
      .map((message) => ({ message, offset: replayOffset(message.createdAt, recordingStartedAt) }))
      // Ids follow commit order; a message's time was taken just before: sort by time (stable).
      .sort((a, b) => a.offset - b.offset)
  );
}

/**
 * The messages the chat shows at playback position `position` (seconds): those sent at or
 * before it, oldest first, the newest `max`. Seeking back removes the later ones, seeking
 * forward adds those passed.
 */
export function visibleAt(
  timeline: readonly ReplayMessage[],
  position: number,
  max = 200,
): ChatMessageFieldsFragment[] {
  let end = 0;
  while (end < timeline.length && timeline[end].offset <= position) end++;
  return timeline.slice(Math.max(0, end - max), end).map((entry) => entry.message);
}

/**
 * Whether another page must be read: the history is not exhausted (the loaded part reaches the
 * end of the recording) and the loaded part does not yet reach `lookahead` seconds past the
 * position.
 */
export function needsMore(
  loadedUntil: number | null,
  position: number,
  exhausted: boolean,
  lookahead = REPLAY_LOOKAHEAD_SECONDS,
): boolean {
  if (exhausted) return false;
  return loadedUntil === null || loadedUntil < position + lookahead;
}

/** `m:ss` (or `h:mm:ss`) of a replay offset; a message sent before the recording shows 0:00. */
export function formatOffset(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

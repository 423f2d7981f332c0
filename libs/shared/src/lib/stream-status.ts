export enum StreamStatus {
  SCHEDULED = 'SCHEDULED',
  LIVE = 'LIVE',
  ENDED = 'ENDED',
}

export const STREAM_TITLE_MAX_LENGTH = 120;
export const STREAM_DESCRIPTION_MAX_LENGTH = 2000;

/** Seconds live: up to `now` while LIVE, endedAt - startedAt once ENDED, 0 before start. */
export function streamDurationSeconds(
  stream: { status: StreamStatus; startedAt: Date | null; endedAt: Date | null },
  now: Date,
): number {
  if (!stream.startedAt) return 0;
  const end = stream.status === StreamStatus.ENDED && stream.endedAt ? stream.endedAt : now;
  return Math.max(0, Math.floor((end.getTime() - stream.startedAt.getTime()) / 1000));
}

import { streamDurationSeconds, type StreamStatus } from '@finserve/shared';

/**
 * The `data` of each event: its objects with the fields of their GraphQL types (scalars, and the
 * User objects they point to), as a GraphQL client would select them.
 */
export interface UserData {
  id: string;
  username: string;
  displayName: string;
}

export interface StreamLike {
  id: string;
  title: string;
  description: string | null;
  status: StreamStatus;
  viewerCount: number;
  peakViewers: number;
  scheduledFor: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  tags: string[];
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function userData(user: UserData | undefined, id: string): UserData {
  return user
    ? { id: user.id, username: user.username, displayName: user.displayName }
    : { id, username: '', displayName: '' };
}

export function streamData(stream: StreamLike, streamer: UserData, now: Date) {
  return {
    id: stream.id,
    streamer,
    title: stream.title,
    description: stream.description,
    status: stream.status,
    viewerCount: stream.viewerCount,
    peakViewers: stream.peakViewers,
    scheduledFor: iso(stream.scheduledFor),
    startedAt: iso(stream.startedAt),
    endedAt: iso(stream.endedAt),
    durationSeconds: streamDurationSeconds(stream, now),
    tags: stream.tags,
  };
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';

import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type AuthUser,
} from '@finserve/api/core';
import type { RecordingResult } from '@finserve/api/media';
import { StreamLifecycle, StreamsService } from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { MediaBackend, MediaRequestError } from './media-backend';
import { RecordingsService } from './recordings';

interface EndStreamResult {
  recording: RecordingResult | null;
  recordingError?: string;
}

export type MediaRole = 'PUBLISH' | 'PLAY';

export interface MediaSession {
  sessionId: string;
  streamId: string;
  role: MediaRole;
  /** The user who opened it; null for an anonymous viewer (then the session id is the capability). */
  ownerId: string | null;
}

const MAX_SDP_LENGTH = 64 * 1024;

/**
 * Signaling between clients (browser console, viewer page, WHIP/WHEP clients) and the SFU:
 * SDP offer in, answer out; sessions are owned by whoever opened them.
 */
@Injectable()
export class SignalingService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly sessions = new Map<string, MediaSession>();
  private readonly logger = new Logger(SignalingService.name);
  /** Recordings being finalized after their stream ended. */
  private readonly finalizing = new Set<Promise<void>>();

  constructor(
    private readonly media: MediaBackend,
    private readonly streams: StreamsService,
    private readonly lifecycle: StreamLifecycle,
    private readonly dataSource: DataSource,
    private readonly recordings: RecordingsService,
  ) {}

  onModuleInit(): void {
    // A stream that ends closes every media connection of it (viewers' video stops).
    this.lifecycle.onTransition(({ stream, to }) => {
      if (to !== StreamStatus.ENDED) return Promise.resolve();
      for (const [id, session] of this.sessions)
        if (session.streamId === stream.id) this.sessions.delete(id);
      // The media connections close at once; the recording's remux (minutes for a stream of
      // hours) goes on without holding up endStream: the recording turns READY when it is done.
      const finalizing = this.media
        .endStream(stream.id)
        .then(async (ended) => {
          const result = ended as EndStreamResult | undefined;
          if (result)
            await this.recordings.finished(stream.id, result.recording, result.recordingError);
        })
        .catch((error: unknown) =>
          this.logger.error(
            `finalizing the recording of stream ${stream.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => this.finalizing.delete(finalizing));
      this.finalizing.add(finalizing);
      return Promise.resolve();
    });
  }

  /** Lets recordings being finalized finish (up to 15 s) before the media workers stop. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.finalizing.size === 0) return;
    await Promise.race([
      Promise.all([...this.finalizing]),
      new Promise((resolve) => setTimeout(resolve, 15_000).unref()),
    ]);
  }

  /** Only the stream's streamer publishes, and only while it is LIVE. */
  async publish(
    user: AuthUser,
    streamId: string,
    sdp: string,
  ): Promise<{ session: MediaSession; sdp: string }> {
    const stream = await this.streams.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError('Only the streamer can publish to this stream');
    if (stream.status !== StreamStatus.LIVE)
      throw new ConflictError('Only a LIVE stream can be published');
    return this.open({ sessionId: randomUUID(), streamId, role: 'PUBLISH', ownerId: user.id }, sdp);
  }

  /** Anyone may watch a LIVE stream. */
  async play(
    user: AuthUser | null,
    streamId: string,
    sdp: string,
  ): Promise<{ session: MediaSession; sdp: string }> {
    const stream = await this.streams.getById(streamId);
    if (stream.status !== StreamStatus.LIVE)
      throw new ConflictError('Only a LIVE stream can be watched');
    return this.open(
      { sessionId: randomUUID(), streamId, role: 'PLAY', ownerId: user?.id ?? null },
      sdp,
    );
  }

  async addCandidate(
    user: AuthUser | null,
    sessionId: string,
    candidate: string,
    sdpMid: string | null,
  ): Promise<void> {
    const session = this.owned(user, sessionId);
    await this.media
      .request(session.streamId, { op: 'candidate', sessionId, candidate, sdpMid })
      .catch(this.mapError);
  }

  async close(user: AuthUser | null, sessionId: string): Promise<void> {
    const session = this.owned(user, sessionId);
    this.sessions.delete(sessionId);
    await this.media.request(session.streamId, { op: 'close', sessionId }).catch(this.mapError);
  }

  /** The session, if `user` may use it: its owner, or anyone holding an anonymous session's id. */
  owned(user: AuthUser | null, sessionId: string): MediaSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new NotFoundError('Media session');
    if (session.ownerId !== null && session.ownerId !== user?.id) {
      throw new ForbiddenError('This media session belongs to someone else');
    }
    return session;
  }

  /** A new WHIP stream key for the user (shown once; only its hash is kept). */
  async rotateStreamKey(user: AuthUser): Promise<string> {
    const key = `sk_${randomBytes(24).toString('base64url')}`;
    await this.dataSource.query(
      `INSERT INTO stream_keys (user_id, key_hash) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET key_hash = EXCLUDED.key_hash, created_at = now()`,
      [user.id, hashKey(key)],
    );
    return key;
  }

  /** The user a stream key belongs to (WHIP bearer), or null. */
  async userForStreamKey(key: string): Promise<AuthUser | null> {
    const [row] = await this.dataSource.query<AuthUser[]>(
      `SELECT u.id, u.username, u.role FROM stream_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1`,
      [hashKey(key)],
    );
    return row ?? null;
  }

  /** The streamer's LIVE stream (WHIP without a stream in the URL publishes there). */
  async liveStreamOf(userId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM streams WHERE streamer_id = $1 AND status = 'LIVE'`,
      [userId],
    );
    return row?.id ?? null;
  }

  private async open(
    session: MediaSession,
    sdp: string,
  ): Promise<{ session: MediaSession; sdp: string }> {
    if (!sdp.startsWith('v=0') || sdp.length > MAX_SDP_LENGTH) {
      throw new BadUserInputError('sdp must be an SDP offer (v=0 ..., at most 64 KiB)');
    }
    const answer = (await this.media
      .request(session.streamId, {
        op: session.role === 'PUBLISH' ? 'publish' : 'play',
        streamId: session.streamId,
        sessionId: session.sessionId,
        sdp,
      })
      .catch(this.mapError)) as string;
    this.sessions.set(session.sessionId, session);
    if (session.role === 'PUBLISH' && this.media.records)
      await this.recordings.started(session.streamId);
    return { session, sdp: answer };
  }

  private readonly mapError = (error: unknown): never => {
    if (error instanceof MediaRequestError && error.code === 'BAD_SDP')
      throw new BadUserInputError(error.message);
    if (error instanceof MediaRequestError && error.code === 'NO_SESSION')
      throw new NotFoundError('Media session');
    throw error;
  };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';

import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';

import { UserBans, UsersService } from '@finserve/api/auth';
import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  perMinute,
  RATE_LIMITER,
  RateLimitedError,
  rateLimitHeaders,
  type AuthUser,
  type RateLimiter,
} from '@finserve/api/core';
import type { RecordingResult, VideoLayerInfo, VideoQuality } from '@finserve/api/media';
import { StreamLifecycle, StreamsService } from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import {
  candidateRefusal,
  stripRefusedCandidates,
  type CandidatePolicy,
} from './ice-candidate-policy';
import { MediaBackend, MediaRequestError } from './media-backend';
import { MediaCluster } from './media-cluster';
import { MediaSessions, type MediaSession } from './media-sessions';
import { RecordingsService } from './recordings';
import { StreamKeysRepository } from './stream-keys.repository';

interface EndStreamResult {
  recording: RecordingResult | null;
  recordingError?: string;
}

export type { MediaRole, MediaSession } from './media-sessions';

/** Who opens a media session from outside the process: counted against the limits and caps. */
export interface MediaClient {
  ip: string;
}

/**
 * Refusals of a new media session, as RATE_LIMITED errors whose extensions also carry the
 * RateLimit-* header values (WHIP/WHEP answer 429 with them).
 */
export class MediaRateLimitedError extends RateLimitedError {
  constructor(
    retryAfterSeconds: number,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(retryAfterSeconds, message);
  }
}

const MAX_SDP_LENGTH = 64 * 1024;

/**
 * Signaling between clients (browser console, viewer page, WHIP/WHEP clients) and the SFU:
 * SDP offer in, answer out; sessions are owned by whoever opened them.
 */
@Injectable()
export class SignalingService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SignalingService.name);
  /** Recordings being finalized after their stream ended. */
  private readonly finalizing = new Set<Promise<void>>();

  constructor(
    private readonly media: MediaBackend,
    private readonly cluster: MediaCluster,
    private readonly sessions: MediaSessions,
    private readonly streams: StreamsService,
    private readonly streamKeys: StreamKeysRepository,
    private readonly lifecycle: StreamLifecycle,
    private readonly recordings: RecordingsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly bans: UserBans,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  onModuleInit(): void {
    // Sessions the SFU closed by itself (never connected, peer gone, replaced) no longer count.
    this.media.onSessionGone((_streamId, sessionId) => void this.sessions.delete(sessionId));
    // A platform ban ends the user's LIVE stream (which closes its media) and their sessions.
    this.bans.onBan((userId) => this.endEverythingOf(userId));
    // A stream that ends closes every media connection of it (viewers' video stops).
    this.lifecycle.onTransition(({ stream, to }) => {
      if (to !== StreamStatus.ENDED) return Promise.resolve();
      // The media connections close at once (on every node that holds part of the stream); the
      // recording's remux (minutes for a stream of hours) goes on without holding up endStream:
      // the recording turns READY when it is done.
      const finalizing = this.sessions
        .deleteStream(stream.id)
        .then(() => this.cluster.endStream(stream.id))
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

  /**
   * Only the stream's streamer publishes, and only while it is LIVE. `client` is the caller over
   * HTTP/GraphQL (rate limited, capped, its offer's candidates filtered); in-process publishers
   * (the demo stream) pass none.
   */
  async publish(
    user: AuthUser,
    streamId: string,
    sdp: string,
    client?: MediaClient,
  ): Promise<{ session: MediaSession; sdp: string }> {
    await this.admit(user, client);
    const stream = await this.streams.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError('Only the streamer can publish to this stream');
    if (stream.status !== StreamStatus.LIVE)
      throw new ConflictError('Only a LIVE stream can be published');
    return this.open(
      {
        sessionId: randomUUID(),
        streamId,
        role: 'PUBLISH',
        ownerId: user.id,
        ip: client?.ip ?? null,
        node: '',
      },
      sdp,
    );
  }

  /** Anyone may watch a LIVE stream (rate limited and capped per client IP and user). */
  async play(
    user: AuthUser | null,
    streamId: string,
    sdp: string,
    client?: MediaClient,
    quality: VideoQuality = 'AUTO',
  ): Promise<{ session: MediaSession; sdp: string }> {
    await this.admit(user, client);
    const stream = await this.streams.getById(streamId);
    if (stream.status !== StreamStatus.LIVE)
      throw new ConflictError('Only a LIVE stream can be watched');
    return this.open(
      {
        sessionId: randomUUID(),
        streamId,
        role: 'PLAY',
        ownerId: user?.id ?? null,
        ip: client?.ip ?? null,
        node: '',
      },
      sdp,
      quality,
    );
  }

  /**
   * A viewer's session switches layer (AUTO: adapts again); the switch happens at the layer's
   * next keyframe, which the SFU asks the publisher for. False when the media backend cannot.
   */
  async setPlaybackQuality(
    user: AuthUser | null,
    sessionId: string,
    quality: VideoQuality,
  ): Promise<boolean> {
    const session = await this.owned(user, sessionId);
    if (session.role !== 'PLAY')
      throw new BadUserInputError('Only a viewing session has a playback quality');
    return (await this.cluster
      .request(session.node, session.streamId, { op: 'setQuality', sessionId, quality })
      .catch(this.mapSessionError)) as boolean;
  }

  /** The layers the SFU receives for a stream now, highest first ([] when nothing is published). */
  async videoLayers(streamId: string): Promise<VideoLayerInfo[]> {
    const home = await this.cluster.homeOf(streamId, false);
    if (home === null) return [];
    if (home === this.cluster.nodeId) return this.media.videoLayers(streamId);
    return (await this.cluster
      .request(home, streamId, { op: 'layers', streamId })
      .catch(() => [])) as VideoLayerInfo[];
  }

  /** Open media sessions opened through this instance (for tests and stats). */
  get openSessions(): number {
    return this.sessions.countHere;
  }

  async addCandidate(
    user: AuthUser | null,
    sessionId: string,
    candidate: string,
    sdpMid: string | null,
  ): Promise<void> {
    const session = await this.owned(user, sessionId);
    if (candidate.trim() === '') return; // end of candidates: nothing to do for the SFU
    if (session.ip !== null) {
      const refusal = candidateRefusal(candidate, this.candidatePolicy);
      if (refusal) throw new BadUserInputError(`candidate refused: ${refusal}`);
    }
    await this.cluster
      .request(session.node, session.streamId, {
        op: 'candidate',
        sessionId,
        candidate: candidate.trim().replace(/^a=/, ''),
        sdpMid,
      })
      .catch(this.mapSessionError);
  }

  async close(user: AuthUser | null, sessionId: string): Promise<void> {
    const session = await this.owned(user, sessionId);
    await this.sessions.delete(sessionId);
    await this.cluster
      .request(session.node, session.streamId, { op: 'close', sessionId })
      .catch((error: unknown) => {
        // Its node is gone: so is its media.
        if (!(error instanceof MediaRequestError) || error.code !== 'NODE_GONE')
          this.mapError(error);
      });
  }

  /**
   * The session, if `user` may use it: its owner, or anyone holding an anonymous session's id.
   * Any instance answers for any session (see MediaSessions).
   */
  async owned(user: AuthUser | null, sessionId: string): Promise<MediaSession> {
    const session = await this.sessions.get(sessionId);
    if (!session) throw new NotFoundError('Media session');
    if (session.ownerId !== null && session.ownerId !== user?.id) {
      throw new ForbiddenError('This media session belongs to someone else');
    }
    return session;
  }

  /** A new WHIP stream key for the user (shown once; only its hash is kept). */
  async rotateStreamKey(user: AuthUser): Promise<string> {
    const key = `sk_${randomBytes(24).toString('base64url')}`;
    await this.streamKeys.save(user.id, hashKey(key));
    return key;
  }

  /** The user a stream key belongs to (WHIP bearer), or null; a banned user's key is refused. */
  async userForStreamKey(key: string): Promise<AuthUser | null> {
    const userId = await this.streamKeys.userOf(hashKey(key));
    const user = userId ? await this.users.findById(userId) : null;
    if (!user) return null;
    if (user.bannedAt) throw new ForbiddenError('This account is banned');
    return { id: user.id, username: user.username, role: user.role };
  }

  /** The streamer's LIVE stream (WHIP without a stream in the URL publishes there). */
  async liveStreamOf(userId: string): Promise<string | null> {
    return (await this.streams.liveStreamOf(userId))?.id ?? null;
  }

  private get candidatePolicy(): CandidatePolicy {
    return {
      allowLoopback: this.config.allowLoopbackCandidates,
      allowPrivate: this.config.MEDIA_ALLOW_PRIVATE_CANDIDATES,
    };
  }

  /**
   * Rate limits of new media sessions: MEDIA_SESSIONS_PER_IP_PER_MINUTE per client IP and
   * MEDIA_SESSIONS_PER_USER_PER_MINUTE per signed-in user. In-process callers are not limited.
   */
  private async admit(user: AuthUser | null, client: MediaClient | undefined): Promise<void> {
    if (!client) return;
    const checks: [string, number][] = [
      [`media:ip:${client.ip}`, this.config.MEDIA_SESSIONS_PER_IP_PER_MINUTE],
    ];
    if (user)
      checks.push([`media:user:${user.id}`, this.config.MEDIA_SESSIONS_PER_USER_PER_MINUTE]);
    for (const [key, limit] of checks) {
      const decision = await this.limiter.consume(key, perMinute(limit));
      if (!decision.allowed)
        throw new MediaRateLimitedError(
          decision.retryAfterSeconds,
          `Too many new media sessions: at most ${limit} per minute; retry in ${decision.retryAfterSeconds} s`,
          rateLimitHeaders(decision, limit, 60),
        );
    }
  }

  /**
   * Caps of open media sessions on this instance: MEDIA_MAX_SESSIONS_PER_IP, _PER_USER and
   * _PER_STREAM. A refusal is RATE_LIMITED: sessions free up when closed, or when abandoned ones
   * are reaped (MEDIA_CONNECT_TIMEOUT_MS).
   */
  private checkCaps(session: MediaSession): void {
    let perIp = 0;
    let perUser = 0;
    let perStream = 0;
    for (const open of this.sessions.openedHere) {
      if (session.ip !== null && open.ip === session.ip) perIp++;
      if (session.ownerId !== null && open.ownerId === session.ownerId) perUser++;
      if (open.streamId === session.streamId) perStream++;
    }
    const retryAfter = Math.ceil(this.config.MEDIA_CONNECT_TIMEOUT_MS / 1000);
    const refuse = (limit: number, what: string) =>
      new MediaRateLimitedError(
        retryAfter,
        `Too many open media sessions ${what} (at most ${limit}): close one first`,
        {
          'RateLimit-Limit': String(limit),
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': String(retryAfter),
          'RateLimit-Policy': `${limit}`,
          'Retry-After': String(retryAfter),
        },
      );
    if (perIp >= this.config.MEDIA_MAX_SESSIONS_PER_IP)
      throw refuse(this.config.MEDIA_MAX_SESSIONS_PER_IP, 'from this address');
    if (perUser >= this.config.MEDIA_MAX_SESSIONS_PER_USER)
      throw refuse(this.config.MEDIA_MAX_SESSIONS_PER_USER, 'of this user');
    if (perStream >= this.config.MEDIA_MAX_SESSIONS_PER_STREAM)
      throw refuse(this.config.MEDIA_MAX_SESSIONS_PER_STREAM, 'on this stream');
  }

  /** A banned user's LIVE stream ends (closing its media) and every session they opened closes. */
  private async endEverythingOf(userId: string): Promise<void> {
    const liveStreamId = await this.liveStreamOf(userId);
    if (liveStreamId) await this.streams.endAt(liveStreamId, this.clock.now());
    const own = [...this.sessions.openedHere].filter((session) => session.ownerId === userId);
    await this.sessions.delete(...own.map((session) => session.sessionId));
    await Promise.allSettled(
      own.map((session) =>
        this.cluster.request(session.node, session.streamId, {
          op: 'close',
          sessionId: session.sessionId,
        }),
      ),
    );
  }

  private async open(
    session: MediaSession,
    offer: string,
    quality: VideoQuality = 'AUTO',
  ): Promise<{ session: MediaSession; sdp: string }> {
    if (!offer.startsWith('v=0') || offer.length > MAX_SDP_LENGTH) {
      throw new BadUserInputError('sdp must be an SDP offer (v=0 ..., at most 64 KiB)');
    }
    const sdp = session.ip === null ? offer : stripRefusedCandidates(offer, this.candidatePolicy);
    // Counted from now on (concurrent offers see it); forgotten if the SFU refuses the offer.
    this.checkCaps(session);
    session.node = await this.nodeFor(session);
    await this.sessions.add(session);
    const request =
      session.role === 'PUBLISH'
        ? ({
            op: 'publish',
            streamId: session.streamId,
            sessionId: session.sessionId,
            sdp,
          } as const)
        : ({
            op: 'play',
            streamId: session.streamId,
            sessionId: session.sessionId,
            sdp,
            quality,
          } as const);
    let answer: string;
    try {
      answer = (await this.cluster
        .request(session.node, session.streamId, request)
        .catch(async (error: unknown) => {
          // The stream's home moved between the lookup and the request (its node died): once more.
          if (!(error instanceof MediaRequestError) || error.code !== 'NOT_HOME') throw error;
          session.node = await this.nodeFor(session);
          await this.sessions.add(session);
          return this.cluster.request(session.node, session.streamId, request);
        })
        .catch(this.mapError)) as string;
    } catch (error) {
      await this.sessions.delete(session.sessionId);
      throw error;
    }
    if (session.role === 'PUBLISH' && this.media.records)
      await this.recordings.started(session.streamId);
    return { session, sdp: answer };
  }

  /**
   * The node that takes a new session: a publisher goes to the stream's home (taken by this node
   * when the stream has none); a viewer stays on this node unless it is full, and is then served
   * by another node from a relayed copy.
   */
  private async nodeFor(session: MediaSession): Promise<string> {
    const node =
      session.role === 'PUBLISH'
        ? await this.cluster.homeOf(session.streamId, true)
        : await this.cluster.playNode();
    if (node) return node;
    throw new MediaRateLimitedError(5, 'Every media node is full: retry in 5 s', {
      'Retry-After': '5',
    });
  }

  /** A request on an open session: a session whose node is gone is gone too. */
  private readonly mapSessionError = (error: unknown): never => {
    if (error instanceof MediaRequestError && error.code === 'NODE_GONE')
      throw new NotFoundError('Media session');
    return this.mapError(error);
  };

  private readonly mapError = (error: unknown): never => {
    if (error instanceof MediaRequestError && error.code === 'BAD_SDP')
      throw new BadUserInputError(error.message);
    if (error instanceof MediaRequestError && error.code === 'NO_SESSION')
      throw new NotFoundError('Media session');
    // The node holding the media died or does not answer: its publisher and viewers reconnect,
    // and the stream moves to a live node.
    if (
      error instanceof MediaRequestError &&
      (error.code === 'NODE_GONE' || error.code === 'NOT_HOME')
    )
      throw new MediaRateLimitedError(2, 'The media node is changing: retry in 2 s', {
        'Retry-After': '2',
      });
    throw error;
  };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

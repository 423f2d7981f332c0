import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { PUB_SUB, REDIS, type EventBus } from '@finserve/api/core';

export type MediaRole = 'PUBLISH' | 'PLAY';

export interface MediaSession {
  sessionId: string;
  streamId: string;
  role: MediaRole;
  /** The user who opened it; null for an anonymous viewer (then the session id is the capability). */
  ownerId: string | null;
  /** The client IP that opened it; null for in-process publishers (the demo stream). */
  ip: string | null;
  /** The media node (API instance) whose SFU holds it. */
  node: string;
}

/** A day: a session older than that without a close is forgotten (its node reaped it long ago). */
const SESSION_TTL_SECONDS = 24 * 60 * 60;
const GONE_CHANNEL = 'media.sessions.gone';

/**
 * Open media sessions, seen from every API instance: with REDIS_URL each is kept in Redis
 * (`media:session:<id>`, and the stream's set `media:stream-sessions:<stream>`), so candidates,
 * quality switches, closes and `mediaEvents` work on any instance, whichever opened it. The
 * sessions this instance opened are also counted here for its caps; a close anywhere reaches
 * every instance on the event bus.
 */
@Injectable()
export class MediaSessions implements OnModuleInit {
  private readonly opened = new Map<string, MediaSession>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.redis)
      await this.bus.subscribe(
        GONE_CHANNEL,
        (ids: string[]) => {
          for (const id of ids) this.opened.delete(id);
        },
        {},
      );
  }

  /** Sessions opened through this instance (its caps count them). */
  get openedHere(): Iterable<MediaSession> {
    return this.opened.values();
  }

  get countHere(): number {
    return this.opened.size;
  }

  async add(session: MediaSession): Promise<void> {
    this.opened.set(session.sessionId, session);
    if (!this.redis) return;
    // While Redis is away the session is known here only (other instances answer NOT_FOUND).
    await this.redis
      .multi()
      .set(sessionKey(session.sessionId), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS)
      .sadd(streamKey(session.streamId), session.sessionId)
      .expire(streamKey(session.streamId), SESSION_TTL_SECONDS)
      .exec()
      .catch(() => undefined);
  }

  async get(sessionId: string): Promise<MediaSession | undefined> {
    const here = this.opened.get(sessionId);
    if (here || !this.redis) return here;
    const value = await this.redis.get(sessionKey(sessionId)).catch(() => null);
    return value ? (JSON.parse(value) as MediaSession) : undefined;
  }

  async delete(...sessionIds: string[]): Promise<void> {
    const sessions = await Promise.all(sessionIds.map((id) => this.get(id)));
    for (const id of sessionIds) this.opened.delete(id);
    if (!this.redis || sessionIds.length === 0) return;
    const multi = this.redis.multi().del(...sessionIds.map(sessionKey));
    for (const session of sessions)
      if (session) multi.srem(streamKey(session.streamId), session.sessionId);
    await multi.exec().catch(() => undefined);
    await this.bus.publish(GONE_CHANNEL, sessionIds).catch(() => undefined);
  }

  /** Forgets every session of an ended stream (their media closed with it). */
  async deleteStream(streamId: string): Promise<void> {
    const here = [...this.opened.values()].filter((s) => s.streamId === streamId);
    for (const session of here) this.opened.delete(session.sessionId);
    if (!this.redis) return;
    const ids = await this.redis.smembers(streamKey(streamId)).catch(() => [] as string[]);
    if (ids.length > 0) await this.redis.del(...ids.map(sessionKey)).catch(() => undefined);
    await this.redis.del(streamKey(streamId)).catch(() => undefined);
    if (ids.length > 0) await this.bus.publish(GONE_CHANNEL, ids).catch(() => undefined);
  }
}

const sessionKey = (id: string) => `media:session:${id}`;
const streamKey = (streamId: string) => `media:stream-sessions:${streamId}`;

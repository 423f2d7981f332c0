import { Inject, Injectable } from '@nestjs/common';

import { PUB_SUB, type EventBus } from '@finserve/api/core';
import type { StreamStatus } from '@finserve/shared';

import { StreamEntity } from './stream.entity';

/** Channel of one stream's state changes (status, viewer count). */
export const streamChannel = (streamId: string): string => `stream.${streamId}`;
/** Channel of every LIVE-list change: went live, ended, viewer count changed. */
export const LIVE_STREAMS_CHANNEL = 'streams.live';

/** A stream's state as it travels on the bus: JSON-safe (ISO dates), so any transport carries it. */
export interface StreamEvent {
  id: string;
  streamerId: string;
  title: string;
  description: string | null;
  status: StreamStatus;
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  viewerCount: number;
  peakViewers: number;
  isDemo: boolean;
  /** Carried so that a list kept by events shows (and keeps) the latest thumbnail. */
  thumbnailUpdatedAt: string | null;
  categorySlug: string | null;
  tags: string[];
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
const date = (value: string | null): Date | null => (value ? new Date(value) : null);

export function toStreamEvent(stream: StreamEntity): StreamEvent {
  return {
    id: stream.id,
    streamerId: stream.streamerId,
    title: stream.title,
    description: stream.description,
    status: stream.status,
    scheduledFor: iso(stream.scheduledFor),
    startedAt: iso(stream.startedAt),
    endedAt: iso(stream.endedAt),
    viewerCount: stream.viewerCount,
    peakViewers: stream.peakViewers,
    isDemo: stream.isDemo,
    thumbnailUpdatedAt: iso(stream.thumbnailUpdatedAt),
    categorySlug: stream.categorySlug,
    tags: stream.tags,
  };
}

export function fromStreamEvent(event: StreamEvent): StreamEntity {
  return Object.assign(new StreamEntity(), {
    ...event,
    scheduledFor: date(event.scheduledFor),
    startedAt: date(event.startedAt),
    endedAt: date(event.endedAt),
    // Events published before the field existed (a rolling deploy) carry none.
    thumbnailUpdatedAt: date(event.thumbnailUpdatedAt ?? null),
    categorySlug: event.categorySlug ?? null,
    tags: event.tags ?? [],
    streamerSeenAt: null,
  });
}

@Injectable()
export class StreamEventsPublisher {
  private readonly local: Array<(event: StreamEvent | null) => void> = [];

  constructor(@Inject(PUB_SUB) private readonly bus: EventBus) {}

  /**
   * In-process and synchronous, before the bus: each change of a stream list this instance makes
   * (the response cache drops its lists at once; other instances hear it from the bus). `null`:
   * a SCHEDULED stream was created or cancelled, which the bus does not carry.
   */
  onLocalChange(listener: (event: StreamEvent | null) => void): void {
    this.local.push(listener);
  }

  /** A SCHEDULED stream came or went (the upcoming lists changed). */
  scheduleChanged(): void {
    for (const listener of this.local) listener(null);
  }

  /** Tells the stream's watchers and the live list about the stream's new state. */
  async changed(stream: StreamEntity): Promise<void> {
    const event = toStreamEvent(stream);
    for (const listener of this.local) listener(event);
    await Promise.all([
      this.bus.publish(streamChannel(stream.id), event),
      this.bus.publish(LIVE_STREAMS_CHANNEL, event),
    ]);
  }

  /** Tells the live list only (a new thumbnail concerns no watcher of the stream itself). */
  async listChanged(stream: StreamEntity): Promise<void> {
    const event = toStreamEvent(stream);
    for (const listener of this.local) listener(event);
    await this.bus.publish(LIVE_STREAMS_CHANNEL, event);
  }
}

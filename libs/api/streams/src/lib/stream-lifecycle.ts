import { Injectable, Logger } from '@nestjs/common';

import type { StreamStatus } from '@finserve/shared';

import type { StreamEntity } from './stream.entity';

export interface StreamTransition {
  stream: StreamEntity;
  from: StreamStatus | null;
  to: StreamStatus;
}

type Listener = (transition: StreamTransition) => Promise<void>;

/**
 * In-process hooks on stream transitions (created LIVE or SCHEDULED, started, ended), run once by the instance
 * that made the transition, after it committed. Other modules react here (e.g. chat posts an
 * ALERT) without the streams module depending on them. A failing listener is logged.
 */
@Injectable()
export class StreamLifecycle {
  private readonly logger = new Logger(StreamLifecycle.name);
  private readonly listeners: Listener[] = [];

  onTransition(listener: Listener): void {
    this.listeners.push(listener);
  }

  async emit(transition: StreamTransition): Promise<void> {
    for (const listener of this.listeners) {
      await listener(transition).catch((error: unknown) =>
        this.logger.warn(
          `stream transition listener failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  }
}

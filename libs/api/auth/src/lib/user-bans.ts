import { Injectable, Logger } from '@nestjs/common';

type Listener = (userId: string) => Promise<void>;

/**
 * In-process hooks on a platform ban, run by the instance that banned, after the ban committed.
 * Other modules end what the user still has going (their LIVE stream, media sessions) without the
 * auth module depending on them. A failing listener is logged; the ban stands.
 */
@Injectable()
export class UserBans {
  private readonly logger = new Logger(UserBans.name);
  private readonly listeners: Listener[] = [];

  onBan(listener: Listener): void {
    this.listeners.push(listener);
  }

  async banned(userId: string): Promise<void> {
    for (const listener of this.listeners) {
      await listener(userId).catch((error: unknown) =>
        this.logger.warn(
          `ban listener failed for user ${userId}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  }
}

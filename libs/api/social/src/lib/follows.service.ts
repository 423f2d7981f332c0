import { Injectable, Logger } from '@nestjs/common';

import { FollowsRepository } from './follows.repository';

/** Follows between users (their SQL: FollowsRepository), and the hook on each new one. */
@Injectable()
export class FollowsService {
  private readonly logger = new Logger(FollowsService.name);
  private readonly followedListeners: Array<
    (followerId: string, followeeId: string) => Promise<void>
  > = [];

  constructor(private readonly follows: FollowsRepository) {}

  /**
   * In-process hook on each new follow, run once by the instance that stored it (the webhooks lib
   * sends NEW_FOLLOWER). A failing listener is logged; the follow stands.
   */
  onFollowed(listener: (followerId: string, followeeId: string) => Promise<void>): void {
    this.followedListeners.push(listener);
  }

  /** Adds the follow; true when it is new (following twice changes nothing). */
  async follow(followerId: string, followeeId: string): Promise<boolean> {
    if (!(await this.follows.insert(followerId, followeeId))) return false;
    for (const listener of this.followedListeners) {
      await listener(followerId, followeeId).catch((error: unknown) =>
        this.logger.warn(
          `follow listener failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
    return true;
  }

  async unfollow(followerId: string, followeeId: string): Promise<void> {
    await this.follows.delete(followerId, followeeId);
  }

  async isFollowing(followerId: string, followeeId: string): Promise<boolean> {
    return this.follows.exists(followerId, followeeId);
  }

  /** Ids of the users `followerId` follows (a user follows at most a few thousand channels). */
  async followeeIds(followerId: string): Promise<string[]> {
    return this.follows.followeeIds(followerId);
  }

  /** Follower counts of these users (0 for a user nobody follows), in one query. */
  async followerCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    return this.follows.followerCounts(userIds);
  }

  /** Users who followed `followeeId` in [from, to) and still do (an end-of-stream summary). */
  async followersGained(followeeId: string, from: Date, to: Date): Promise<number> {
    return this.follows.countCreatedBetween(followeeId, from, to);
  }

  /**
   * Splits a channel's followers into id ranges of at most `size` each: the upper bound
   * (inclusive) of every full range, in id order. The ranges are (null, b1], (b1, b2], ...,
   * (bk, null]: one fan-out job each.
   */
  async followerRangeBounds(followeeId: string, size: number): Promise<string[]> {
    return this.follows.followerRangeBounds(followeeId, size);
  }
}

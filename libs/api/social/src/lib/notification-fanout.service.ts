import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { UsersService } from '@finserve/api/auth';
import { AppConfig } from '@finserve/api/core';
import { JobQueue } from '@finserve/api/jobs';
import { ClipsService } from '@finserve/api/signaling';
import { StreamLifecycle, StreamsService } from '@finserve/api/streams';
import { TipsService } from '@finserve/api/tips';
import { StreamStatus } from '@finserve/shared';

import { FollowsService } from './follows.service';
import { NotificationsService, type NotificationSpec } from './notifications.service';
import { NotificationType } from './social.models';
import { WebPushService, type PushPayload } from './web-push.service';

/** Queues of the notification fan-out (pg-boss queue names). */
export const ANNOUNCE_QUEUE = 'social-announce';
export const DELIVER_QUEUE = 'social-deliver';
export const NOTIFY_QUEUE = 'social-notify';
export const PUSH_QUEUE = 'social-push';
export const SOCIAL_QUEUES = [ANNOUNCE_QUEUE, DELIVER_QUEUE, NOTIFY_QUEUE, PUSH_QUEUE] as const;

/** Followers notified per deliver job (one multi-row INSERT each). */
export const FOLLOWERS_PER_JOB = 500;
/** Push subscriptions per push job, and pushes in flight at once within it. */
export const PUSHES_PER_JOB = 100;
/** A push that failed (not 404/410) is tried this many times in all, backing off. */
export const PUSH_ATTEMPTS = 5;

interface AnnounceJob {
  type: NotificationType.STREAM_LIVE | NotificationType.STREAM_SCHEDULED;
  streamId: string;
  streamerId: string;
  /** When the stream went live or was scheduled (ISO). */
  at: string;
}

interface DeliverJob {
  spec: NotificationSpec;
  followeeId: string;
  after: string | null;
  upTo: string | null;
  push: PushPayload | null;
  /** When it happened (ISO): the notifications' time, and the end of the flap window. */
  at: string;
}

interface NotifyJob {
  userId: string;
  spec: NotificationSpec;
}

interface PushJob {
  subscriptionIds: string[];
  payload: PushPayload;
  attempt: number;
}

/**
 * Turns what happens elsewhere (a stream goes LIVE or is scheduled, a follow, a tip, a clip) into
 * notifications, through the durable job queue:
 *
 *   go-live  -> social-announce (1 job)   -> social-deliver (1 job per 500 followers)
 *                                          -> social-push (1 job per 100 push subscriptions)
 *   follow / tip / clip -> social-notify (1 job, 1 recipient)
 *
 * The hooks run in the instance that made the change (in-process hooks, once per change), and only
 * enqueue: the go-live answers without waiting for the fan-out. Every insert carries a dedupe key
 * unique per recipient, so a retried job (or a job run twice after a crash) notifies no one twice.
 */
@Injectable()
export class NotificationFanoutService implements OnModuleInit {
  private readonly logger = new Logger(NotificationFanoutService.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly notifications: NotificationsService,
    private readonly follows: FollowsService,
    private readonly push: WebPushService,
    private readonly users: UsersService,
    private readonly streams: StreamsService,
    private readonly lifecycle: StreamLifecycle,
    private readonly tips: TipsService,
    private readonly clips: ClipsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.queue.define<AnnounceJob>(ANNOUNCE_QUEUE, {
      handler: async ([job]) => job && this.announce(job.data),
      concurrency: 2,
    });
    this.queue.define<DeliverJob>(DELIVER_QUEUE, {
      handler: async ([job]) => job && this.deliver(job.data),
      concurrency: 4,
    });
    this.queue.define<NotifyJob>(NOTIFY_QUEUE, {
      handler: async (jobs) => {
        for (const job of jobs) await this.notifications.notifyOne(job.data.userId, job.data.spec);
      },
      batchSize: 20,
      concurrency: 2,
    });
    this.queue.define<PushJob>(PUSH_QUEUE, {
      handler: async ([job]) => job && this.sendPushes(job.data),
      concurrency: 4,
      // Failed pushes are retried by sendPushes with only the failed ones (not the whole job).
      retryLimit: 2,
    });

    this.lifecycle.onTransition(async ({ stream, to }) => {
      if (stream.isDemo) return;
      if (to === StreamStatus.LIVE) {
        await this.queue.send<AnnounceJob>(ANNOUNCE_QUEUE, {
          type: NotificationType.STREAM_LIVE,
          streamId: stream.id,
          streamerId: stream.streamerId,
          at: (stream.startedAt ?? new Date()).toISOString(),
        });
      } else if (to === StreamStatus.SCHEDULED) {
        await this.queue.send<AnnounceJob>(ANNOUNCE_QUEUE, {
          type: NotificationType.STREAM_SCHEDULED,
          streamId: stream.id,
          streamerId: stream.streamerId,
          at: stream.createdAt.toISOString(),
        });
      }
    });
    this.tips.onSent(async (tip) => {
      await this.notifyOne(tip.toUserId, {
        type: NotificationType.TIP_RECEIVED,
        actorId: tip.fromUserId,
        streamId: tip.streamId,
        tipId: tip.id,
        dedupeKey: `tip:${tip.id}`,
      });
    });
    this.clips.onCreated(async (clip, stream) => {
      if (clip.authorId === stream.streamerId) return;
      await this.notifyOne(stream.streamerId, {
        type: NotificationType.CLIP_CREATED,
        actorId: clip.authorId,
        streamId: stream.id,
        clipId: clip.id,
        dedupeKey: `clip:${clip.id}`,
      });
    });
  }

  /** A new follower (a refollow after an unfollow notifies no more). */
  async followed(followerId: string, followeeId: string): Promise<void> {
    await this.notifyOne(followeeId, {
      type: NotificationType.NEW_FOLLOWER,
      actorId: followerId,
      dedupeKey: `follower:${followerId}`,
    });
  }

  private async notifyOne(userId: string, spec: NotificationSpec): Promise<void> {
    await this.queue.send<NotifyJob>(NOTIFY_QUEUE, { userId, spec });
  }

  /** Plans a channel's fan-out: one deliver job per FOLLOWERS_PER_JOB followers, all at once. */
  private async announce(job: AnnounceJob): Promise<void> {
    const live = job.type === NotificationType.STREAM_LIVE;
    const push = live ? await this.pushPayload(job.streamId) : null;
    if (live && !push) return; // the stream is gone
    const spec: NotificationSpec = {
      type: job.type,
      actorId: job.streamerId,
      streamId: job.streamId,
      dedupeKey: `${live ? 'live' : 'scheduled'}:${job.streamId}`,
    };
    const bounds = await this.follows.followerRangeBounds(job.streamerId, FOLLOWERS_PER_JOB);
    const ranges = [null, ...bounds].map((after, i) => ({ after, upTo: bounds[i] ?? null }));
    await this.queue.sendMany<DeliverJob>(
      DELIVER_QUEUE,
      ranges.map(({ after, upTo }) => ({
        data: { spec, followeeId: job.streamerId, after, upTo, push, at: job.at },
      })),
    );
  }

  private async deliver(job: DeliverJob): Promise<void> {
    const created = await this.notifications.notifyFollowers(
      job.followeeId,
      job.after,
      job.upTo,
      job.spec,
      new Date(job.at),
    );
    if (!job.push || created.length === 0) return;
    const ids = await this.push.subscriptionIdsOf(created.map((n) => n.userId));
    const jobs: Array<{ data: PushJob }> = [];
    for (let i = 0; i < ids.length; i += PUSHES_PER_JOB) {
      jobs.push({
        data: { subscriptionIds: ids.slice(i, i + PUSHES_PER_JOB), payload: job.push, attempt: 1 },
      });
    }
    await this.queue.sendMany<PushJob>(PUSH_QUEUE, jobs);
  }

  private async sendPushes(job: PushJob): Promise<void> {
    const targets = await this.push.targets(job.subscriptionIds);
    const outcomes = await Promise.all(targets.map((t) => this.push.send(t, job.payload)));
    const failed = targets.filter((_, i) => outcomes[i] === 'failed').map((t) => t.id);
    if (failed.length === 0) return;
    if (job.attempt >= PUSH_ATTEMPTS) {
      this.logger.warn(`${failed.length} pushes failed ${PUSH_ATTEMPTS} times; given up`);
      return;
    }
    // Only the failed ones again, later (2 s, 4 s, 8 s, ...): the others have their message.
    await this.queue.send<PushJob>(
      PUSH_QUEUE,
      { ...job, subscriptionIds: failed, attempt: job.attempt + 1 },
      { startAfter: 2 ** job.attempt },
    );
  }

  private async pushPayload(streamId: string): Promise<PushPayload | null> {
    const stream = await this.streams.findById(streamId);
    if (!stream) return null;
    const [streamer] = await this.users.findByIds([stream.streamerId]);
    const path = `/streams/${stream.id}`;
    return {
      type: 'STREAM_LIVE',
      title: stream.title,
      streamer: streamer?.displayName ?? '',
      streamId: stream.id,
      url: this.config.PUBLIC_URL ? `${this.config.PUBLIC_URL}${path}` : path,
    };
  }
}

import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { UsersService } from '@finserve/api/auth';
import { ChatService, type ChatMessageRecord } from '@finserve/api/chat';
import { AppConfig, Clock } from '@finserve/api/core';
import { JobQueue } from '@finserve/api/jobs';
import { ClipsService } from '@finserve/api/signaling';
import { FollowsService } from '@finserve/api/social';
import { StreamLifecycle, StreamsService, type StreamEntity } from '@finserve/api/streams';
import { TipsService, type TipRecord } from '@finserve/api/tips';
import { StreamStatus } from '@finserve/shared';

import { SecretBox, signatureHeader } from './webhook-crypto';
import { streamData, userData, type UserData } from './webhook-payloads';
import { deliveryJobId as jobId, retryDelaySeconds } from './webhook-retry';
import { checkedAddresses, guardedLookup, parseWebhookUrl, type UrlPolicy } from './webhook-url';
import { WebhookEvent } from './webhooks.model';
import { WebhooksService } from './webhooks.service';

/** The pg-boss queue of webhook deliveries: one job per (webhook, event, attempt). */
export const WEBHOOK_QUEUE = 'webhook-deliver';
/** A receiver has this long to answer (connection, headers) before the attempt counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export interface DeliveryJob {
  webhookId: string;
  eventId: string;
  event: WebhookEvent;
  /** When the event happened (ISO): retries stop WEBHOOK_RETRY_WINDOW_SECONDS after it. */
  createdAt: string;
  /** The exact body sent on every attempt (the signature covers it). */
  body: string;
  attempt: number;
  /** When the first attempt of this event failed (ISO), once it has. */
  firstFailedAt: string | null;
}

/**
 * Sends webhooks. Hooks on what happens elsewhere (go-live and end, tips, chat messages, follows,
 * clips) find the active webhooks that want the event and enqueue one job per webhook; each job
 * POSTs the signed body and records the attempt. A non-2xx answer, a timeout or a refused address
 * schedules the next attempt (exponential backoff, at most 1 h apart) until the event is
 * WEBHOOK_RETRY_WINDOW_SECONDS (24 h) old; a webhook that failed that long is disabled.
 */
@Injectable()
export class WebhookDeliveryService implements OnModuleInit {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly box: SecretBox;
  readonly policy: UrlPolicy;

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly queue: JobQueue,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly streams: StreamsService,
    private readonly lifecycle: StreamLifecycle,
    private readonly tips: TipsService,
    private readonly chat: ChatService,
    private readonly follows: FollowsService,
    private readonly clips: ClipsService,
  ) {
    this.box = config.WEBHOOK_SECRET_KEY
      ? new SecretBox(config.WEBHOOK_SECRET_KEY, false)
      : new SecretBox(config.jwtSecret, true);
    this.policy = {
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      httpsOnly: config.isProduction,
    };
  }

  get secrets(): SecretBox {
    return this.box;
  }

  onModuleInit(): void {
    this.queue.define<DeliveryJob>(WEBHOOK_QUEUE, {
      handler: async ([job]) => job && this.deliver(job.data),
      concurrency: 4,
    });

    this.lifecycle.onTransition(async ({ stream, to }) => {
      if (stream.isDemo) return;
      if (to === StreamStatus.LIVE) await this.streamEvent(WebhookEvent.STREAM_ONLINE, stream);
      if (to === StreamStatus.ENDED) await this.streamEvent(WebhookEvent.STREAM_OFFLINE, stream);
    });
    this.tips.onSent((tip) => this.tipEvent(tip));
    this.chat.onPosted((message) => this.chatEvent(message));
    this.follows.onFollowed(async (followerId, followeeId) => {
      const users = await this.userMap([followerId, followeeId]);
      await this.emit(WebhookEvent.NEW_FOLLOWER, followeeId, {
        follower: userData(users.get(followerId), followerId),
        broadcaster: userData(users.get(followeeId), followeeId),
      });
    });
    this.clips.onCreated(async (clip, stream) => {
      const users = await this.userMap([clip.authorId, stream.streamerId]);
      await this.emit(WebhookEvent.CLIP_CREATED, stream.streamerId, {
        clip: {
          id: clip.id,
          stream: streamData(
            stream,
            userData(users.get(stream.streamerId), stream.streamerId),
            this.clock.now(),
          ),
          author: userData(users.get(clip.authorId), clip.authorId),
          title: clip.title,
          startSeconds: clip.startSeconds,
          durationSeconds: clip.durationSeconds,
          status: clip.status,
          url: clip.url,
          thumbnailUrl: clip.thumbnailUrl,
          createdAt: clip.createdAt.toISOString(),
        },
      });
    });
  }

  private async streamEvent(event: WebhookEvent, stream: StreamEntity): Promise<void> {
    const users = await this.userMap([stream.streamerId]);
    await this.emit(event, stream.streamerId, {
      stream: streamData(
        stream,
        userData(users.get(stream.streamerId), stream.streamerId),
        this.clock.now(),
      ),
    });
  }

  private async tipEvent(tip: TipRecord): Promise<void> {
    const users = await this.userMap([tip.fromUserId, tip.toUserId]);
    await this.emit(WebhookEvent.TIP_RECEIVED, tip.toUserId, {
      tip: {
        id: tip.id,
        streamId: tip.streamId,
        from: userData(users.get(tip.fromUserId), tip.fromUserId),
        to: userData(users.get(tip.toUserId), tip.toUserId),
        amountCents: tip.amountCents,
        currency: tip.currency,
        platformFeeCents: tip.platformFeeCents,
        netCents: tip.netCents,
        message: tip.message,
        createdAt: tip.createdAt.toISOString(),
      },
    });
  }

  private async chatEvent(message: ChatMessageRecord): Promise<void> {
    const stream = await this.streams.findById(message.streamId);
    if (!stream || stream.isDemo) return;
    // Most channels have no webhook: look before loading anything else.
    if (
      (await this.webhooks.subscribers(WebhookEvent.CHAT_MESSAGE, stream.streamerId)).length === 0
    )
      return;
    const users = message.authorId
      ? await this.userMap([message.authorId])
      : new Map<string, UserData>();
    await this.emit(WebhookEvent.CHAT_MESSAGE, stream.streamerId, {
      message: {
        id: message.id,
        streamId: message.streamId,
        author: message.authorId ? userData(users.get(message.authorId), message.authorId) : null,
        body: message.body,
        type: message.type,
        deleted: message.deleted,
        createdAt: message.createdAt,
      },
    });
  }

  private async userMap(ids: string[]): Promise<Map<string, UserData>> {
    const users = await this.users.findByIds([...new Set(ids)]);
    return new Map(users.map((user) => [user.id, user]));
  }

  /** One event: a new id, one body, one job per webhook that wants it. */
  private async emit(
    event: WebhookEvent,
    broadcasterId: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const webhookIds = await this.webhooks.subscribers(event, broadcasterId);
    if (webhookIds.length === 0) return;
    const eventId = randomUUID();
    const createdAt = this.clock.now().toISOString();
    const body = JSON.stringify({ id: eventId, event, createdAt, data });
    await this.queue.sendMany<DeliveryJob>(
      WEBHOOK_QUEUE,
      webhookIds.map((webhookId) => ({
        id: jobId(webhookId, eventId, 1),
        data: { webhookId, eventId, event, createdAt, body, attempt: 1, firstFailedAt: null },
      })),
    );
  }

  /** One attempt of one event to one webhook (a deleted or disabled webhook gets nothing). */
  async deliver(job: DeliveryJob): Promise<void> {
    const target = await this.webhooks.target(job.webhookId);
    if (!target?.active) return;
    const secret = this.box.open(target.sealedSecret);
    const statusCode = await this.post(target.url, secret, job);
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const now = this.clock.now();
    await this.webhooks.recordAttempt(
      {
        webhookId: job.webhookId,
        eventId: job.eventId,
        event: job.event,
        attempt: job.attempt,
        statusCode,
        ok,
      },
      now,
    );
    if (ok) return;

    const firstFailedAt = job.firstFailedAt ?? now.toISOString();
    const deadline =
      new Date(job.createdAt).getTime() + this.config.WEBHOOK_RETRY_WINDOW_SECONDS * 1000;
    if (now.getTime() >= deadline) {
      if (await this.webhooks.disableIfFailingSince(job.webhookId, new Date(firstFailedAt))) {
        // The contract's NotificationType has no webhook kind yet: the owner learns it from the
        // webhook's active=false and its recentDeliveries; operators from this line.
        this.logger.warn(
          `webhook ${job.webhookId} of user ${target.ownerId} disabled after failing for ${this.config.WEBHOOK_RETRY_WINDOW_SECONDS} s`,
        );
      }
      return;
    }
    const delay = retryDelaySeconds(job.attempt, this.config.WEBHOOK_RETRY_BASE_SECONDS);
    const startAfter = Math.max(
      1,
      Math.ceil(Math.min(delay * 1000, deadline - now.getTime()) / 1000),
    );
    await this.queue.send<DeliveryJob>(
      WEBHOOK_QUEUE,
      { ...job, attempt: job.attempt + 1, firstFailedAt },
      { id: jobId(job.webhookId, job.eventId, job.attempt + 1), startAfter },
    );
  }

  /**
   * POSTs the body to the URL, checked again now (DNS can change since the webhook was created)
   * and connected to the very address checked; no redirect is followed, the response body is
   * neither read into memory nor stored. Returns the HTTP status, or null on a refused address,
   * a connection error or the 10 s timeout.
   */
  private async post(rawUrl: string, secret: string, job: DeliveryJob): Promise<number | null> {
    let url: URL;
    try {
      url = parseWebhookUrl(rawUrl, this.policy);
      // Resolves (and for an IP literal, checks) before connecting; the lookup checks again.
      await checkedAddresses(url.hostname, this.policy);
    } catch (error) {
      this.logger.warn(`webhook ${job.webhookId} refused: ${(error as Error).message}`);
      return null;
    }
    // Receivers compare t with their own clock: the real time, whatever the app's clock says.
    const t = Math.floor(Date.now() / 1000);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number | null>((resolve) => {
      let settled = false;
      const finish = (status: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(status);
      };
      const req = request(
        url,
        {
          method: 'POST',
          agent: false,
          lookup: guardedLookup(this.policy),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(job.body),
            'user-agent': 'Finserve-Webhooks/1.0',
            'finserve-event-id': job.eventId,
            'finserve-event': job.event,
            'finserve-signature': signatureHeader(secret, t, job.body),
          },
        },
        (response: IncomingMessage) => {
          finish(response.statusCode ?? null);
          // The answer's body is not wanted: drop it and the connection.
          response.destroy();
        },
      );
      const timer = setTimeout(() => {
        finish(null);
        req.destroy();
      }, DELIVERY_TIMEOUT_MS);
      req.on('error', () => finish(null));
      req.end(job.body);
    });
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { BadUserInputError } from '@finserve/api/core';
import { lockForTransaction } from '@finserve/api/database';

import {
  ANY_CHANNEL_EVENTS,
  type WebhookDeliveryRecord,
  type WebhookEvent,
  type WebhookRecord,
} from './webhooks.model';
import { WebhooksRepository, type DeliveryTarget } from './webhooks.repository';

export type { DeliveryTarget } from './webhooks.repository';

/** Webhooks a user may have. */
export const MAX_WEBHOOKS_PER_USER = 20;
/** Delivery attempts kept per webhook (older ones are pruned as new ones are recorded). */
export const DELIVERIES_KEPT_PER_WEBHOOK = 100;

/** Users' webhooks and their delivery log (their SQL: WebhooksRepository), with their limits. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhooksRepository,
  ) {}

  /** Adds a webhook, at most MAX_WEBHOOKS_PER_USER per owner (counted under the owner's lock). */
  async create(
    ownerId: string,
    url: string,
    events: WebhookEvent[],
    broadcasterId: string | null,
    sealedSecret: string,
  ): Promise<WebhookRecord> {
    return this.dataSource.transaction(async (manager) => {
      await lockForTransaction(manager, `webhooks:${ownerId}`);
      if ((await this.webhooks.countByOwner(manager, ownerId)) >= MAX_WEBHOOKS_PER_USER)
        throw new BadUserInputError(`You can have at most ${MAX_WEBHOOKS_PER_USER} webhooks`, {
          field: 'url',
        });
      return this.webhooks.insert(manager, { ownerId, url, events, broadcasterId, sealedSecret });
    });
  }

  /** The owner's webhooks, newest first. */
  async listByOwner(ownerId: string): Promise<WebhookRecord[]> {
    return this.webhooks.listByOwner(ownerId);
  }

  async findById(id: string): Promise<WebhookRecord | null> {
    return this.webhooks.findById(id);
  }

  /** Deletes it with its deliveries; jobs still queued for it find nothing and send nothing. */
  async delete(id: string): Promise<boolean> {
    return this.webhooks.delete(id);
  }

  /**
   * Active webhooks that want `event` of `broadcasterId`'s channel: those on that channel, and for
   * STREAM_ONLINE/STREAM_OFFLINE also those on every channel (no broadcaster).
   */
  async subscribers(event: WebhookEvent, broadcasterId: string): Promise<string[]> {
    return this.webhooks.subscriberIds(event, broadcasterId, ANY_CHANNEL_EVENTS.includes(event));
  }

  async target(id: string): Promise<DeliveryTarget | null> {
    return this.webhooks.target(id);
  }

  /**
   * Records one attempt and keeps the webhook's failure streak: a success ends it, a failure
   * starts it (once). Attempts beyond DELIVERIES_KEPT_PER_WEBHOOK are pruned, oldest first.
   */
  async recordAttempt(
    attempt: Omit<WebhookDeliveryRecord, 'id' | 'createdAt'>,
    at: Date,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.webhooks.insertDelivery(manager, attempt, at);
      if (attempt.ok) await this.webhooks.clearFailingSince(manager, attempt.webhookId);
      else await this.webhooks.markFailingSince(manager, attempt.webhookId, at);
      await this.webhooks.pruneDeliveries(manager, attempt.webhookId, DELIVERIES_KEPT_PER_WEBHOOK);
    });
  }

  /**
   * Disables the webhook when it has failed without a success since `since` (its failure streak
   * started then or earlier); returns whether it did.
   */
  async disableIfFailingSince(id: string, since: Date): Promise<boolean> {
    return this.webhooks.disableIfFailingSince(id, since);
  }

  /** The newest `limit` attempts of each webhook, in one query. */
  async recentDeliveries(
    webhookIds: readonly string[],
    limit: number,
  ): Promise<Map<string, WebhookDeliveryRecord[]>> {
    return this.webhooks.recentDeliveries(webhookIds, limit);
  }
}

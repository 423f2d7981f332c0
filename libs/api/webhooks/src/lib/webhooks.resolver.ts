import { Injectable } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';

import {
  BadUserInputError,
  ContextLoader,
  CurrentUser,
  ForbiddenError,
  IntRangePipe,
  NotFoundError,
  RequireScope,
  UuidPipe,
  type AuthUser,
  type GraphQLContext,
} from '@finserve/api/core';

import { newWebhookSecret } from './webhook-crypto';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { checkedAddresses, parseWebhookUrl, RefusedUrlError } from './webhook-url';
import {
  ANY_CHANNEL_EVENTS,
  CreateWebhookInput,
  WebhookCreatedModel,
  WebhookDeliveryModel,
  WebhookModel,
  type WebhookDeliveryRecord,
  type WebhookRecord,
} from './webhooks.model';
import { WebhooksService } from './webhooks.service';

/** Batches Webhook.recentDeliveries of one operation (keys: "<limit>:<webhook id>"). */
@Injectable()
export class RecentDeliveriesLoader extends ContextLoader<string, WebhookDeliveryRecord[]> {
  constructor(webhooks: WebhooksService) {
    super(async (keys) => {
      const byLimit = new Map<number, string[]>();
      for (const key of keys) {
        const [limit, id] = key.split(':');
        byLimit.set(Number(limit), [...(byLimit.get(Number(limit)) ?? []), id]);
      }
      const found = new Map<string, WebhookDeliveryRecord[]>();
      for (const [limit, ids] of byLimit) {
        for (const [id, list] of await webhooks.recentDeliveries(ids, limit))
          found.set(`${limit}:${id}`, list);
      }
      return keys.map((key) => found.get(key) ?? []);
    });
  }
}

/**
 * Whether `user` may receive `broadcasterId`'s channel events. Today: only their own channel.
 * The seam for OAuth: a channel whose user granted the caller's app the matching scope.
 */
export function mayWatchChannel(user: AuthUser, broadcasterId: string): boolean {
  return user.id === broadcasterId;
}

@Resolver(() => WebhookModel)
export class WebhooksResolver {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly delivery: WebhookDeliveryService,
    private readonly recent: RecentDeliveriesLoader,
  ) {}

  @RequireScope('webhooks:manage')
  @Query(() => [WebhookModel], { description: "The signed-in user's webhooks, newest first." })
  myWebhooks(@CurrentUser() user: AuthUser): Promise<WebhookRecord[]> {
    return this.webhooks.listByOwner(user.id);
  }

  @RequireScope('webhooks:manage')
  @Mutation(() => WebhookCreatedModel, {
    description:
      'Sends the events to the URL (POST, signed; see docs/api.md). The URL must resolve to public addresses (https in production); at most 20 webhooks per user.',
  })
  async createWebhook(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreateWebhookInput }) input: CreateWebhookInput,
  ): Promise<WebhookCreatedModel> {
    const events = [...new Set(input.events)];
    const broadcasterId = input.broadcasterId ?? null;
    if (broadcasterId === null && events.some((event) => !ANY_CHANNEL_EVENTS.includes(event)))
      throw new BadUserInputError(
        'Only STREAM_ONLINE and STREAM_OFFLINE can be sent for every channel; name a broadcasterId for the others',
        { field: 'broadcasterId' },
      );
    if (broadcasterId !== null && !mayWatchChannel(user, broadcasterId))
      throw new ForbiddenError("You can only receive your own channel's events");
    let url: URL;
    try {
      url = parseWebhookUrl(input.url, this.delivery.policy);
      await checkedAddresses(url.hostname, this.delivery.policy);
    } catch (error) {
      if (error instanceof RefusedUrlError)
        throw new BadUserInputError(error.message, { field: 'url' });
      throw error;
    }
    const secret = newWebhookSecret();
    const webhook = await this.webhooks.create(
      user.id,
      url.toString(),
      events,
      broadcasterId,
      this.delivery.secrets.seal(secret),
    );
    return { webhook, secret };
  }

  @RequireScope('webhooks:manage')
  @Mutation(() => Boolean, {
    description: 'Only its owner. Deliveries still queued for it are dropped.',
  })
  async deleteWebhook(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<boolean> {
    const webhook = await this.webhooks.findById(id);
    if (!webhook) throw new NotFoundError('Webhook');
    if (webhook.ownerId !== user.id) throw new ForbiddenError('Not your webhook');
    return this.webhooks.delete(id);
  }

  @ResolveField(() => [WebhookDeliveryModel], {
    description: 'Delivery attempts, newest first (the newest 100 are kept).',
  })
  recentDeliveries(
    @Parent() webhook: WebhookRecord,
    @Context() context: GraphQLContext,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 20 }, new IntRangePipe(1, 100))
    limit: number,
  ): Promise<WebhookDeliveryRecord[]> {
    return this.recent.for(context).load(`${limit}:${webhook.id}`);
  }
}

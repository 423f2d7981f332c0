import {
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

import { trimString } from '@finserve/api/core';

export enum NotificationType {
  STREAM_LIVE = 'STREAM_LIVE',
  STREAM_SCHEDULED = 'STREAM_SCHEDULED',
  NEW_FOLLOWER = 'NEW_FOLLOWER',
  TIP_RECEIVED = 'TIP_RECEIVED',
  CLIP_CREATED = 'CLIP_CREATED',
}

registerEnumType(NotificationType, {
  name: 'NotificationType',
  valuesMap: {
    STREAM_LIVE: { description: 'A followed channel went LIVE.' },
    STREAM_SCHEDULED: { description: 'A followed channel scheduled a stream.' },
    NEW_FOLLOWER: { description: 'Someone followed you.' },
    TIP_RECEIVED: { description: 'You received a tip.' },
    CLIP_CREATED: { description: 'Someone clipped your stream.' },
  },
});

/** A notification as stored (the ids of what it is about; the resolver loads them). */
export interface NotificationRecord {
  id: string;
  userId: string;
  type: NotificationType;
  actorId: string | null;
  streamId: string | null;
  tipId: string | null;
  clipId: string | null;
  read: boolean;
  createdAt: Date;
}

/** A JSON-safe notification for the event bus. */
export type NotificationEvent = Omit<NotificationRecord, 'createdAt'> & { createdAt: string };

@ObjectType('Notification')
export class NotificationModel {
  @Field(() => ID)
  id!: string;

  @Field(() => NotificationType)
  type!: NotificationType;

  @Field(() => Boolean)
  read!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@InputType('WebPushSubscriptionInput')
export class WebPushSubscriptionInput {
  @Field(() => String, {
    description: "The push service endpoint of the browser's PushSubscription (https).",
  })
  @Transform(trimString)
  @IsString()
  @MinLength(10)
  @MaxLength(2048)
  endpoint!: string;

  @Field(() => String, { description: 'Its keys, base64url.' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{80,100}={0,2}$/, { message: 'p256dh must be a base64url P-256 key' })
  p256dh!: string;

  @Field(() => String)
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{16,32}={0,2}$/, { message: 'auth must be a base64url 16-byte secret' })
  auth!: string;
}

import {
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';

export enum WebhookEvent {
  STREAM_ONLINE = 'STREAM_ONLINE',
  STREAM_OFFLINE = 'STREAM_OFFLINE',
  TIP_RECEIVED = 'TIP_RECEIVED',
  CHAT_MESSAGE = 'CHAT_MESSAGE',
  NEW_FOLLOWER = 'NEW_FOLLOWER',
  CLIP_CREATED = 'CLIP_CREATED',
}
registerEnumType(WebhookEvent, { name: 'WebhookEvent' });

/** Events a webhook without a broadcaster may carry: those of every channel. */
export const ANY_CHANNEL_EVENTS: readonly WebhookEvent[] = [
  WebhookEvent.STREAM_ONLINE,
  WebhookEvent.STREAM_OFFLINE,
];

/** Longest accepted webhook URL. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

export interface WebhookRecord {
  id: string;
  ownerId: string;
  url: string;
  events: WebhookEvent[];
  broadcasterId: string | null;
  active: boolean;
  createdAt: Date;
}

export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  event: WebhookEvent;
  attempt: number;
  statusCode: number | null;
  ok: boolean;
  createdAt: Date;
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: "The delivered event's id (Finserve-Event-Id)." })
  eventId!: string;

  @Field(() => WebhookEvent)
  event!: WebhookEvent;

  @Field(() => Int)
  attempt!: number;

  @Field(() => Int, {
    nullable: true,
    description: "The receiver's HTTP status; null on a timeout or connection error.",
  })
  statusCode!: number | null;

  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType('Webhook')
export class WebhookModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [WebhookEvent])
  events!: WebhookEvent[];

  @Field(() => ID, {
    nullable: true,
    description:
      'The channel whose events are sent; null: STREAM_ONLINE/STREAM_OFFLINE of every channel.',
  })
  broadcasterId!: string | null;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType('WebhookCreated')
export class WebhookCreatedModel {
  @Field(() => WebhookModel)
  webhook!: WebhookRecord;

  @Field(() => String, { description: 'The HMAC secret; shown once.' })
  secret!: string;
}

@InputType('CreateWebhookInput')
export class CreateWebhookInput {
  @Field(() => String)
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH, {
    message: `url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`,
  })
  url!: string;

  @Field(() => [WebhookEvent])
  @IsArray()
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(Object.keys(WebhookEvent).length, { message: 'events names an event twice' })
  @IsEnum(WebhookEvent, { each: true, message: 'events must be WebhookEvent values' })
  events!: WebhookEvent[];

  @Field(() => ID, {
    nullable: true,
    description:
      "Only the caller's own channel (or one whose user granted the app the matching scope).",
  })
  @IsOptional()
  @IsUUID('all', { message: 'broadcasterId must be an id (UUID)' })
  broadcasterId?: string | null;
}

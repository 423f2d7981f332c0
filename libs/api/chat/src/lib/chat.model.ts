import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

import { MessageType } from '@finserve/shared';

registerEnumType(MessageType, { name: 'MessageType' });

/** A chat message as stored and as it travels on the bus (JSON-safe). */
export interface ChatMessageRecord {
  id: string;
  streamId: string;
  authorId: string | null;
  type: MessageType;
  body: string;
  tipId: string | null;
  deleted: boolean;
  createdAt: string;
}

@ObjectType('ChatMessage')
export class ChatMessageModel {
  @Field(() => ID, {
    description: 'Orders messages within a stream: a later message has a later id.',
  })
  id!: string;

  @Field(() => ID)
  streamId!: string;

  @Field(() => String, {
    description:
      'Stored and returned as plain text exactly as accepted (trimmed); clients must render it as text, never as HTML. Empty when the message was deleted.',
  })
  body!: string;

  @Field(() => MessageType)
  type!: MessageType;

  @Field(() => Boolean)
  deleted!: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType('ChatSettings')
export class ChatSettingsModel {
  @Field(() => ID)
  streamId!: string;

  @Field(() => Int, { description: 'One message per user per this many seconds (0: off).' })
  slowModeSeconds!: number;

  @Field(() => [String], {
    description: 'Messages containing one of these (any case) are refused.',
  })
  blockedTerms!: string[];
}

@ObjectType('ChatModerationAction')
export class ChatModerationActionModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  streamId!: string;

  moderatorId!: string;

  @Field(() => String, {
    description: 'DELETE_MESSAGE, TIMEOUT, BAN, UNBAN, SLOW_MODE or BLOCKED_TERMS.',
  })
  action!: string;

  targetUserId!: string | null;

  @Field(() => ID, { nullable: true })
  messageId!: string | null;

  @Field(() => String, { nullable: true })
  details!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

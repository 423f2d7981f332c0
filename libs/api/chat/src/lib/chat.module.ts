import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { StreamsModule } from '@finserve/api/streams';

import { ChatMessagesRepository } from './chat-messages.repository';
import { ChatModerationRepository } from './chat-moderation.repository';
import { ChatModerationService } from './chat-moderation.service';
import { ChatModerationActionResolver, ChatResolver } from './chat.resolver';
import { ChatService } from './chat.service';

@Module({
  imports: [AuthModule, StreamsModule],
  providers: [
    ChatMessagesRepository,
    ChatModerationRepository,
    ChatService,
    ChatModerationService,
    ChatResolver,
    ChatModerationActionResolver,
  ],
  exports: [ChatService],
})
export class ChatModule {}

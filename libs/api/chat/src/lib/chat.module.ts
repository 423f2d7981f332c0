import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { StreamsModule } from '@finserve/api/streams';

import { ChatModerationActionResolver, ChatResolver } from './chat.resolver';
import { ChatService } from './chat.service';

@Module({
  imports: [AuthModule, StreamsModule],
  providers: [ChatService, ChatResolver, ChatModerationActionResolver],
  exports: [ChatService],
})
export class ChatModule {}

import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';

import { ChatMessageTipResolver, TipLoader, TipsResolver } from './tips.resolver';
import { TipsService } from './tips.service';

@Module({
  imports: [AuthModule, ChatModule],
  providers: [TipsService, TipsResolver, TipLoader, ChatMessageTipResolver],
  exports: [TipsService],
})
export class TipsModule {}

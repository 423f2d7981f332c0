import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';

import { LedgerRepository } from './ledger.repository';
import { TipsRepository } from './tips.repository';
import { ChatMessageTipResolver, TipLoader, TipsResolver } from './tips.resolver';
import { TipsService } from './tips.service';

@Module({
  imports: [AuthModule, ChatModule],
  providers: [
    TipsRepository,
    LedgerRepository,
    TipsService,
    TipsResolver,
    TipLoader,
    ChatMessageTipResolver,
  ],
  exports: [TipsService, TipLoader],
})
export class TipsModule {}

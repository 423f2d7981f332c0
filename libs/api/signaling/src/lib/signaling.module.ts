import { Module } from '@nestjs/common';

import { SignalingResolver } from './signaling.resolver';

@Module({
  providers: [SignalingResolver],
})
export class SignalingModule {}

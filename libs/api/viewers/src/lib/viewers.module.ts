import { Module } from '@nestjs/common';

import { StreamsModule } from '@finserve/api/streams';

import { InstanceService } from './instance.service';
import { PresenceStore } from './presence.store';
import { ViewersRepository } from './viewers.repository';
import { ViewersResolver } from './viewers.resolver';
import { ViewersService } from './viewers.service';

@Module({
  imports: [StreamsModule],
  providers: [ViewersRepository, PresenceStore, InstanceService, ViewersService, ViewersResolver],
  exports: [ViewersService, InstanceService],
})
export class ViewersModule {}

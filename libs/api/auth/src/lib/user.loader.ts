import { Injectable } from '@nestjs/common';

import { byKeys, ContextLoader } from '@finserve/api/core';

import type { UserEntity } from './user.entity';
import { UsersService } from './users.service';

/** Batches user lookups of one GraphQL operation into one query (e.g. every Stream.streamer). */
@Injectable()
export class UserLoader extends ContextLoader<string, UserEntity | null> {
  constructor(users: UsersService) {
    super(async (ids) => byKeys(ids, await users.findByIds(ids), (user) => user.id));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';

import { ConflictError, isUniqueViolation } from '@finserve/api/core';
import { normalizeUsername, Role } from '@finserve/shared';

import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

export const USERNAME_UNIQUE_INDEX = 'users_username_lower_key';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly repository: UsersRepository,
  ) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return ids.length ? this.users.findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  /** Case-insensitive lookup, with the password hash (for login only). */
  findByUsernameWithPassword(username: string): Promise<UserEntity | null> {
    return this.repository.byLowerUsername(normalizeUsername(username), true);
  }

  /** A user by username, case-insensitively (a channel's address: /c/<username>). */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repository.byLowerUsername(normalizeUsername(username));
  }

  /**
   * Users whose username or display name contains something close to the query (pg_trgm word
   * similarity, accent- and case-insensitive; indexes users_*_trgm), best first: searchStreams
   * finds a channel's streams by its name with this.
   */
  matchNames(query: string, limit = 50): Promise<{ id: string; score: number }[]> {
    return this.repository.matchNames(query, limit);
  }

  /** Inserts a user; a taken username (in any letter case) is CONFLICT, decided by the unique index. */
  async create(input: {
    username: string;
    displayName: string;
    passwordHash: string;
    role?: Role;
  }): Promise<UserEntity> {
    try {
      const inserted = await this.users.save(
        this.users.create({ ...input, role: input.role ?? Role.USER }),
      );
      return { ...inserted, passwordHash: '' };
    } catch (error) {
      if (isUniqueViolation(error, USERNAME_UNIQUE_INDEX)) {
        throw new ConflictError(`The username "${input.username}" is already taken`);
      }
      throw error;
    }
  }

  async update(
    id: string,
    changes: Partial<
      Pick<UserEntity, 'passwordHash' | 'role' | 'displayName' | 'bio' | 'bannedAt' | 'banReason'>
    >,
  ): Promise<void> {
    await this.users.update({ id }, changes);
  }
}

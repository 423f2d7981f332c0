import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';

import { ConflictError, isUniqueViolation } from '@finserve/api/core';
import { normalizeUsername, Role } from '@finserve/shared';

import { UserEntity } from './user.entity';

export const USERNAME_UNIQUE_INDEX = 'users_username_lower_key';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return ids.length ? this.users.findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  /** Case-insensitive lookup, with the password hash (for login only). */
  findByUsernameWithPassword(username: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = :username', { username: normalizeUsername(username) })
      .getOne();
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
      Pick<UserEntity, 'passwordHash' | 'role' | 'displayName' | 'bannedAt' | 'banReason'>
    >,
  ): Promise<void> {
    await this.users.update({ id }, changes);
  }
}

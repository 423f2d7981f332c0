import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { UserEntity } from './user.entity';

/** The SQL of the `users` table beyond TypeORM's find and save (UsersService uses those). */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** By lowercased username; `withPassword` adds the password hash (for login only). */
  byLowerUsername(username: string, withPassword = false): Promise<UserEntity | null> {
    const query = this.users.createQueryBuilder('u');
    if (withPassword) query.addSelect('u.passwordHash');
    return query.where('lower(u.username) = :username', { username }).getOne();
  }

  /**
   * Users whose username or display name contains something close to the query (pg_trgm word
   * similarity, accent- and case-insensitive; indexes users_*_trgm), best first.
   */
  async matchNames(query: string, limit: number): Promise<{ id: string; score: number }[]> {
    const rows = await this.users.query<{ id: string; score: number }[]>(
      `
      SELECT id,
             greatest(word_similarity(finserve_unaccent($1), finserve_unaccent(username)),
                      word_similarity(finserve_unaccent($1), finserve_unaccent(display_name)))::real AS score
        FROM users
       WHERE finserve_unaccent($1) <% finserve_unaccent(username)
          OR finserve_unaccent($1) <% finserve_unaccent(display_name)
       ORDER BY score DESC, id
       LIMIT $2`,
      [query, limit],
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }
}

import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

/**
 * Routes TypeORM's messages into the app's structured log. Query parameters are never logged
 * (they hold password hashes, tokens and message bodies). Failed queries are logged at debug:
 * expected ones (a unique violation turned into CONFLICT) are not errors, and unexpected ones
 * are logged as errors, with their stack, where they reach the GraphQL layer.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new Logger('TypeORM');
  private queries = 0;

  /** Queries sent since start: a cheap metric (tests use it to prove DataLoader batching). */
  get queryCount(): number {
    return this.queries;
  }

  logQuery(): void {
    // Counted, not logged: every query would drown the log; slow ones go to logQuerySlow.
    this.queries++;
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug(
      `query failed: ${error instanceof Error ? error.message : error} -- ${query}`,
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}

/** PostgreSQL SQLSTATE codes the services react to. */
export const PG_UNIQUE_VIOLATION = '23505';

/** True when `error` (as thrown by TypeORM/pg) is a unique violation, optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })
    ?.driverError;
  const pgError = driverError ?? (error as { code?: string; constraint?: string });
  return (
    pgError?.code === PG_UNIQUE_VIOLATION &&
    (constraint === undefined || pgError.constraint === constraint)
  );
}

/** Text PostgreSQL cannot store (a NUL character, an invalid byte sequence). */
const PG_UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/** True when `error` is PostgreSQL refusing a text value it cannot store (e.g. one with NUL). */
export function isUnstorableText(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } })?.driverError;
  const code = (driverError ?? (error as { code?: string }))?.code;
  return typeof code === 'string' && PG_UNSTORABLE_TEXT.has(code);
}

export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** True when `error` is a foreign-key violation (a row still referenced, or a missing parent). */
export function isForeignKeyViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } })?.driverError;
  return (driverError ?? (error as { code?: string }))?.code === PG_FOREIGN_KEY_VIOLATION;
}

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

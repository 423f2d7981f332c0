import { ErrorCode } from '@finserve/shared';

/** Extra, safe-to-publish details that travel in `extensions` next to the code. */
export type ErrorExtensions = Record<string, string | number | boolean | null>;

/**
 * An expected failure of a domain rule. Services throw these; one formatter
 * (graphql-error-formatter.ts) turns them into GraphQL errors with `extensions.code`.
 * The message is shown to clients, so it must never contain SQL, stack traces or secrets.
 */
export class DomainError extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, ErrorCode.INTERNAL_SERVER_ERROR>,
    message: string,
    readonly extensions: ErrorExtensions = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Authentication required') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Not allowed', extensions?: ErrorExtensions) {
    super(ErrorCode.FORBIDDEN, message, extensions);
  }
}

export class BadUserInputError extends DomainError {
  constructor(message: string, extensions?: ErrorExtensions) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(ErrorCode.NOT_FOUND, `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super(ErrorCode.RATE_LIMITED, message, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    });
  }
}

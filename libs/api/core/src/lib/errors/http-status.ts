import { ErrorCode } from '@finserve/shared';

import type { DomainError } from './domain-error';

/**
 * The one table of HTTP statuses for the contract's error codes: REST endpoints, webhooks and
 * WHIP/WHEP answer with it.
 */
export const HTTP_STATUS_OF: Readonly<Record<DomainError['code'], number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.INSUFFICIENT_FUNDS]: 402,
  [ErrorCode.RATE_LIMITED]: 429,
};

/** The other way, for Nest's HTTP exceptions reaching GraphQL: a status's contract code. */
export const ERROR_CODE_OF_STATUS: Readonly<Partial<Record<number, DomainError['code']>>> =
  Object.fromEntries(
    Object.entries(HTTP_STATUS_OF).map(([code, status]) => [status, code as DomainError['code']]),
  );

import { CombinedGraphQLErrors } from '@apollo/client/errors';

import { ErrorCode } from '@finserve/shared';

/** What a form shows for a failed operation: the contract code and a sentence for people. */
export interface UiError {
  code: string;
  message: string;
  /** For RATE_LIMITED: how long to wait. */
  retryAfterSeconds?: number;
}

interface WireError {
  message?: string;
  extensions?: Record<string, unknown>;
}

/** Turns an Apollo error (GraphQL errors or a network failure) into a clear message. */
export function toUiError(error: unknown): UiError {
  const first: WireError | undefined = CombinedGraphQLErrors.is(error)
    ? error.errors[0]
    : undefined;
  if (!first) {
    return {
      code: 'NETWORK',
      message: 'Cannot reach the server. Check your connection and try again.',
    };
  }
  return describeError(first);
}

/** The message for one GraphQL error by its `extensions.code` (pure: unit-tested). */
export function describeError(error: WireError): UiError {
  const raw = error.extensions?.['code'];
  const code = (typeof raw === 'string' ? raw : '') as ErrorCode | '';
  const message = error.message ?? 'Something went wrong';
  switch (code) {
    case ErrorCode.INSUFFICIENT_FUNDS:
      return { code, message: 'Insufficient funds: your balance is too low for this amount.' };
    case ErrorCode.RATE_LIMITED: {
      const wait = error.extensions?.['retryAfterSeconds'];
      const retryAfterSeconds = typeof wait === 'number' && wait > 0 ? Math.ceil(wait) : 1;
      return {
        code,
        retryAfterSeconds,
        message: `Too many requests: try again in ${retryAfterSeconds} s.`,
      };
    }
    case ErrorCode.UNAUTHENTICATED:
      return { code, message: 'Please sign in first.' };
    case ErrorCode.FORBIDDEN:
      return { code, message: `Not allowed: ${message}` };
    case ErrorCode.NOT_FOUND:
      return { code, message: `Not found: ${message}` };
    case ErrorCode.CONFLICT:
    case ErrorCode.BAD_USER_INPUT:
      return { code, message };
    default:
      return { code: code || ErrorCode.INTERNAL_SERVER_ERROR, message };
  }
}

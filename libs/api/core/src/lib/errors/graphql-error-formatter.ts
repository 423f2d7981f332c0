import { HttpException, Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { ErrorCode } from '@finserve/shared';

import { DomainError } from './domain-error';
import { ERROR_CODE_OF_STATUS } from './http-status';
import { isUnstorableText } from './pg-errors';

const logger = new Logger('GraphQLErrors');

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const { message } = response;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return exception.message;
}

/** Walks GraphQLError.originalError links down to the error a resolver actually threw. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * The one place where any error becomes what a client sees: `message`, `locations`, `path` and
 * `extensions.code` from the contract. Unexpected errors are logged here with their stack and
 * reach the client only as "Internal server error".
 */
export function formatGraphQLError(
  error: unknown,
  formatted?: GraphQLFormattedError,
): GraphQLFormattedError {
  const base: GraphQLFormattedError =
    formatted ?? (error instanceof GraphQLError ? error.toJSON() : { message: String(error) });
  const { locations, path } = base;
  const cause = rootCause(error);

  if (cause instanceof DomainError) {
    return {
      message: cause.message,
      locations,
      path,
      extensions: { code: cause.code, ...cause.extensions },
    };
  }
  if (cause instanceof HttpException) {
    const code = ERROR_CODE_OF_STATUS[cause.getStatus()];
    if (code)
      return { message: httpExceptionMessage(cause), locations, path, extensions: { code } };
  }
  // Defence in depth for text that slipped past validation: the caller's input, not our fault.
  if (isUnstorableText(cause)) {
    return {
      message: 'Text contains characters that cannot be stored (such as NUL)',
      locations,
      path,
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    };
  }
  // Errors without a path never reached a resolver: parse, validation and variable-coercion
  // errors. They describe the request, so their message is safe and useful to the caller.
  if (!path) {
    return { message: base.message, locations, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  logger.error(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
  return {
    message: 'Internal server error',
    locations,
    path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

import { BadRequestException, Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';

import { ConflictError, RateLimitedError } from './domain-error';
import { formatGraphQLError } from './graphql-error-formatter';

/** A resolver error as graphql-js hands it over: wrapped, with a path. */
const fromResolver = (error: Error) =>
  new GraphQLError(error.message, { path: ['register'], originalError: error });

describe('formatGraphQLError', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('maps a domain error to its contract code and keeps its safe extensions', () => {
    expect(formatGraphQLError(fromResolver(new RateLimitedError(2.2)))).toEqual({
      message: 'Too many requests',
      path: ['register'],
      locations: undefined,
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3 },
    });
    expect(formatGraphQLError(fromResolver(new ConflictError('taken'))).extensions?.['code']).toBe(
      'CONFLICT',
    );
  });

  it('maps validation failures (BadRequestException) to BAD_USER_INPUT with their messages', () => {
    const formatted = formatGraphQLError(
      fromResolver(new BadRequestException(['username is bad', 'password is short'])),
    );
    expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(formatted.message).toBe('username is bad; password is short');
  });

  it('maps parse and validation errors (no path) to BAD_USER_INPUT', () => {
    const formatted = formatGraphQLError(
      new GraphQLError('Cannot query field "nope" on type "Query".'),
      {
        message: 'Cannot query field "nope" on type "Query".',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    );
    expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('maps text PostgreSQL cannot store (NUL, SQLSTATE 22021) to BAD_USER_INPUT without the driver message', () => {
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      driverError: { code: '22021' },
    });
    const formatted = formatGraphQLError(fromResolver(pgError), {
      message: pgError.message,
      path: ['creditWallet'],
    });
    expect(formatted).toEqual({
      message: 'Text contains characters that cannot be stored (such as NUL)',
      locations: undefined,
      path: ['creditWallet'],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('hides unexpected errors: no message, SQL or stack reaches the client', () => {
    const sqlError = new Error(
      'relation "users" does not exist: SELECT * FROM users WHERE secret = 42',
    );
    const formatted = formatGraphQLError(fromResolver(sqlError), {
      message: sqlError.message,
      path: ['register'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: relation', '    at x'] },
    });
    expect(formatted).toEqual({
      message: 'Internal server error',
      locations: undefined,
      path: ['register'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});

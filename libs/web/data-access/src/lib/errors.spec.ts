import { CombinedGraphQLErrors } from '@apollo/client/errors';

import { describeError, toUiError } from './errors';

describe('describeError', () => {
  it('explains insufficient funds in words', () => {
    expect(describeError({ message: 'x', extensions: { code: 'INSUFFICIENT_FUNDS' } })).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      message: 'Insufficient funds: your balance is too low for this amount.',
    });
  });

  it('tells how long to wait when rate limited', () => {
    expect(
      describeError({ message: 'x', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 2.2 } }),
    ).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 3,
      message: 'Too many requests: try again in 3 s.',
    });
  });

  it("keeps the server's message for input and conflict errors", () => {
    expect(
      describeError({ message: 'title is required', extensions: { code: 'BAD_USER_INPUT' } }),
    ).toEqual({ code: 'BAD_USER_INPUT', message: 'title is required' });
  });

  it('treats an error without a code as internal', () => {
    expect(describeError({ message: 'boom' }).code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('toUiError', () => {
  it('reads the first GraphQL error of an Apollo error', () => {
    const error = new CombinedGraphQLErrors({
      errors: [
        { message: 'Please wait', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5 } },
      ],
    });
    expect(toUiError(error)).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 5 });
  });

  it('reports anything else as a network problem', () => {
    expect(toUiError(new TypeError('Failed to fetch')).code).toBe('NETWORK');
  });
});

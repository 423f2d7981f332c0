import { CombinedGraphQLErrors } from '@apollo/client/errors';

import { describeError, toUiError } from './errors';

const wire = (code: string, message = 'server text', extra: Record<string, unknown> = {}) => ({
  message,
  extensions: { code, ...extra },
});

describe('describeError', () => {
  it('explains insufficient funds in words', () => {
    expect(describeError(wire('INSUFFICIENT_FUNDS'))).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      message: 'Insufficient funds: your balance is too low for this amount.',
    });
  });

  it('tells how long to wait when rate limited', () => {
    expect(describeError(wire('RATE_LIMITED', 'x', { retryAfterSeconds: 2.2 }))).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 3,
      message: 'Too many requests: try again in 3 s.',
    });
  });

  it('says wrong credentials (not "sign in first") when signing in fails', () => {
    const error = wire('UNAUTHENTICATED', 'Wrong username or password');
    expect(describeError(error, 'signIn').message).toBe('Wrong username or password.');
    expect(describeError(error, 'tip').message).toBe('Please sign in first.');
  });

  it('chooses the message by code and context, never showing the server text', () => {
    const cases: [ReturnType<typeof wire>, Parameters<typeof describeError>[1], string][] = [
      [wire('CONFLICT'), 'signUp', 'This username is already taken.'],
      [wire('CONFLICT'), 'chat', 'Chat is open only while the stream is live.'],
      [wire('CONFLICT'), 'tip', 'Tips are accepted only while the stream is live.'],
      [wire('FORBIDDEN', 'x', { reason: 'BANNED' }), 'chat', 'You are banned from this chat.'],
      [wire('FORBIDDEN'), 'tip', 'You cannot tip your own stream.'],
      [wire('FORBIDDEN'), 'signIn', 'This account is banned.'],
      [wire('BAD_USER_INPUT'), 'other', 'Please check what you entered.'],
      [wire('NOT_FOUND'), 'other', 'Not found: it may have been removed.'],
    ];
    for (const [error, context, message] of cases) {
      const described = describeError(error, context);
      expect(described.message).toBe(message);
      expect(described.message).not.toContain('server text');
    }
  });

  it('treats an error without a code as internal', () => {
    expect(describeError({ message: 'boom' })).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Something went wrong. Please try again.',
    });
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

  it('passes the context on', () => {
    const error = new CombinedGraphQLErrors({
      errors: [{ message: 'Wrong username or password', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(toUiError(error, 'signIn').message).toBe('Wrong username or password.');
  });

  it('reports anything else as a network problem', () => {
    expect(toUiError(new TypeError('Failed to fetch')).code).toBe('NETWORK');
  });
});

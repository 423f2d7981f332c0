import { CombinedGraphQLErrors } from '@apollo/client/errors';

import { ErrorCode } from '@finserve/shared';

/** What a form shows for a failed operation: the contract code and a sentence for people. */
export interface UiError {
  code: string;
  message: string;
  /** For RATE_LIMITED: how long to wait. */
  retryAfterSeconds?: number;
}

/** What the user was doing: the same code means different things to sign-in and to chat. */
export type ErrorContext = 'signIn' | 'signUp' | 'chat' | 'tip' | 'moderation' | 'other';

interface WireError {
  message?: string;
  extensions?: Record<string, unknown>;
}

/** Turns an Apollo error (GraphQL errors or a network failure) into a clear message. */
export function toUiError(error: unknown, context: ErrorContext = 'other'): UiError {
  const first: WireError | undefined = CombinedGraphQLErrors.is(error)
    ? error.errors[0]
    : undefined;
  if (!first) {
    return {
      code: 'NETWORK',
      message: $localize`:@@error.network:Cannot reach the server. Check your connection and try again.`,
    };
  }
  return describeError(first, context);
}

/**
 * The message for one GraphQL error, chosen by the client from its `extensions.code` (and
 * `extensions.reason`) and what the user was doing, in the app's language; the server's English
 * `message` is never shown (pure: unit-tested).
 */
export function describeError(error: WireError, context: ErrorContext = 'other'): UiError {
  const raw = error.extensions?.['code'];
  const code = (typeof raw === 'string' ? raw : '') as ErrorCode | '';
  const reason = error.extensions?.['reason'];
  switch (code) {
    case ErrorCode.INSUFFICIENT_FUNDS:
      return {
        code,
        message: $localize`:@@error.insufficientFunds:Insufficient funds: your balance is too low for this amount.`,
      };
    case ErrorCode.RATE_LIMITED: {
      const wait = error.extensions?.['retryAfterSeconds'];
      const retryAfterSeconds = typeof wait === 'number' && wait > 0 ? Math.ceil(wait) : 1;
      return {
        code,
        retryAfterSeconds,
        message:
          context === 'signIn'
            ? $localize`:@@error.rateLimited.signIn:Too many sign-in attempts: try again in ${retryAfterSeconds}:seconds: s.`
            : $localize`:@@error.rateLimited:Too many requests: try again in ${retryAfterSeconds}:seconds: s.`,
      };
    }
    case ErrorCode.UNAUTHENTICATED:
      return {
        code,
        message:
          context === 'signIn'
            ? $localize`:@@error.wrongCredentials:Wrong username or password.`
            : $localize`:@@error.signInFirst:Please sign in first.`,
      };
    case ErrorCode.FORBIDDEN:
      return { code, message: forbidden(context, reason) };
    case ErrorCode.NOT_FOUND:
      return {
        code,
        message: $localize`:@@error.notFound:Not found: it may have been removed.`,
      };
    case ErrorCode.CONFLICT:
      return { code, message: conflict(context) };
    case ErrorCode.BAD_USER_INPUT:
      return { code, message: badInput(context) };
    default:
      return {
        code: code || ErrorCode.INTERNAL_SERVER_ERROR,
        message: $localize`:@@error.internal:Something went wrong. Please try again.`,
      };
  }
}

function forbidden(context: ErrorContext, reason: unknown): string {
  if (reason === 'BANNED') return $localize`:@@error.chatBanned:You are banned from this chat.`;
  if (reason === 'TIMED_OUT')
    return $localize`:@@error.chatTimedOut:You are timed out in this chat for now.`;
  if (context === 'signIn' || context === 'signUp')
    return $localize`:@@error.accountBanned:This account is banned.`;
  if (context === 'tip') return $localize`:@@error.ownStream:You cannot tip your own stream.`;
  if (context === 'moderation')
    return $localize`:@@error.notModerator:Only the streamer or an admin can moderate this chat.`;
  return $localize`:@@error.forbidden:Not allowed: you cannot do this.`;
}

function conflict(context: ErrorContext): string {
  switch (context) {
    case 'signUp':
      return $localize`:@@error.usernameTaken:This username is already taken.`;
    case 'chat':
      return $localize`:@@error.chatClosed:Chat is open only while the stream is live.`;
    case 'tip':
      return $localize`:@@error.tipsClosed:Tips are accepted only while the stream is live.`;
    default:
      return $localize`:@@error.conflict:This changed meanwhile: reload the page and try again.`;
  }
}

function badInput(context: ErrorContext): string {
  switch (context) {
    case 'signUp':
      return $localize`:@@error.badInput.signUp:Check the username, display name and password.`;
    case 'chat':
      return $localize`:@@error.badInput.chat:This message cannot be sent here (it may contain a blocked term).`;
    case 'tip':
      return $localize`:@@error.badInput.tip:Check the amount and the message of the tip.`;
    default:
      return $localize`:@@error.badInput:Please check what you entered.`;
  }
}

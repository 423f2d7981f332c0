import { randomBytes } from 'node:crypto';

import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: GqlError[];
}

/** POST /graphql as a browser or a third-party client would. */
export async function gql<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GqlError[] };
  return { status: response.status, headers: response.headers, ...body };
}

/** The code of the first error, for terse assertions. */
export function errorCode(response: { errors?: GqlError[] }): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

export interface WsClosed {
  code: number;
  reason: string;
}

export interface WsConnection {
  client: Client;
  /** Resolves with the close event when the server closes the socket. */
  closed: Promise<WsClosed>;
  /** Resolves once connection_ack arrived; rejects if the socket closed first. */
  connected: Promise<void>;
  /** Runs one query/mutation over the socket. */
  execute<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<FormattedExecutionResult<T, unknown>>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client (protocol graphql-transport-ws) over the `ws` package. */
export function wsConnect(baseUrl: string, authToken?: string): WsConnection {
  let resolveClosed!: (value: WsClosed) => void;
  const closed = new Promise<WsClosed>((resolve) => (resolveClosed = resolve));
  let resolveConnected!: () => void;
  let rejectConnected!: (reason: unknown) => void;
  const connected = new Promise<void>((resolve, reject) => {
    resolveConnected = resolve;
    rejectConnected = reject;
  });
  connected.catch(() => undefined);
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: authToken === undefined ? {} : { authToken },
    lazy: false,
    retryAttempts: 0,
    // Connection failures are observed through `connected`/`closed` instead of being logged.
    onNonLazyError: () => undefined,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
        rejectConnected(new Error(`socket closed ${code} ${reason}`));
      },
    },
  });
  return {
    client,
    closed,
    connected,
    execute: <T>(query: string, variables: Record<string, unknown> = {}) =>
      new Promise<FormattedExecutionResult<T, unknown>>((resolve, reject) => {
        let result: FormattedExecutionResult<T, unknown> | undefined;
        client.subscribe<T>(
          { query, variables },
          {
            next: (value) => (result = value),
            error: reject,
            complete: () => (result ? resolve(result) : reject(new Error('no result'))),
          },
        );
      }),
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** A username nobody else in this test run has. */
export function uniqueUsername(prefix = 'u'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      user {
        id
        username
        displayName
      }
    }
  }
`;

export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      user {
        id
        username
        displayName
      }
    }
  }
`;

export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      username
      displayName
    }
  }
`;

/** Registers a fresh user and returns its token and id. */
export async function registerUser(
  baseUrl: string,
  prefix = 'u',
): Promise<{ token: string; id: string; username: string }> {
  const username = uniqueUsername(prefix);
  const response = await gql<{ register: { accessToken: string; user: { id: string } } }>(
    baseUrl,
    REGISTER,
    { input: { username, password: 'correct horse battery' } },
  );
  if (!response.data?.register)
    throw new Error(`register failed: ${JSON.stringify(response.errors)}`);
  return {
    token: response.data.register.accessToken,
    id: response.data.register.user.id,
    username,
  };
}

export interface Subscription<T> {
  values: T[];
  errors: unknown[];
  /** Resolves when the server completes the subscription. */
  completed: Promise<void>;
  /** Resolves with the first value (already received or future) that matches. */
  waitFor(predicate: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  unsubscribe(): void;
}

/** Starts a subscription on a graphql-ws connection and records what arrives. */
export function subscribe<T = Record<string, any>>(
  connection: WsConnection,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const waiters: { predicate: (value: T) => boolean; resolve: (value: T) => void }[] = [];
  let markCompleted!: () => void;
  const completed = new Promise<void>((resolve) => (markCompleted = resolve));
  const unsubscribe = connection.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (!result.data) return;
        const value = result.data as T;
        values.push(value);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(value)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(value);
          }
        }
      },
      error: (error) => {
        errors.push(error);
        markCompleted();
      },
      complete: () => markCompleted(),
    },
  );
  return {
    values,
    errors,
    completed,
    unsubscribe,
    waitFor: (predicate, timeoutMs = 10_000) => {
      const found = values.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching value within ${timeoutMs} ms; got ${JSON.stringify(values)} ${JSON.stringify(errors)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
        });
      });
    },
  };
}

/** Polls `check` until it returns a non-undefined value. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  const reason = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`condition not met within ${timeoutMs} ms${reason}`);
}

export const STREAM_FIELDS = /* GraphQL */ `
  id title description status viewerCount peakViewers scheduledFor startedAt endedAt durationSeconds
  streamer { id username displayName }
`;

export const CREATE_STREAM = /* GraphQL */ `
  mutation Create($input: CreateStreamInput!) { createStream(input: $input) { ${STREAM_FIELDS} } }
`;
export const START_STREAM = /* GraphQL */ `
  mutation Start($id: ID!) { startStream(streamId: $id) { ${STREAM_FIELDS} } }
`;
export const END_STREAM = /* GraphQL */ `
  mutation End($id: ID!) { endStream(streamId: $id) { ${STREAM_FIELDS} } }
`;
export const STREAM = /* GraphQL */ `query Stream($id: ID!) { stream(id: $id) { ${STREAM_FIELDS} } }`;
export const WATCH_STREAM = /* GraphQL */ `
  subscription Watch($id: ID!) {
    watchStream(streamId: $id) {
      id
      status
      viewerCount
      peakViewers
      endedAt
    }
  }
`;
export const BROADCAST_STREAM = /* GraphQL */ `
  subscription Console($id: ID!) {
    broadcastStream(streamId: $id) {
      id
      status
      viewerCount
    }
  }
`;

/** Registers a streamer and starts a LIVE stream; returns both. */
export async function liveStream(
  baseUrl: string,
  title = 'Trading the open',
): Promise<{ streamer: { token: string; id: string; username: string }; streamId: string }> {
  const streamer = await registerUser(baseUrl, 'streamer');
  const created = await gql<{ createStream: { id: string } }>(
    baseUrl,
    CREATE_STREAM,
    { input: { title } },
    streamer.token,
  );
  if (!created.data?.createStream)
    throw new Error(`createStream failed: ${JSON.stringify(created.errors)}`);
  return { streamer, streamId: created.data.createStream.id };
}

/** The access token of the admin every test app ensures (see test-app.ts). */
export async function loginAdmin(baseUrl: string): Promise<string> {
  const response = await gql<{ login: { accessToken: string } }>(baseUrl, LOGIN, {
    input: { username: 'admin', password: 'admin-password-for-tests' },
  });
  if (!response.data?.login)
    throw new Error(`admin login failed: ${JSON.stringify(response.errors)}`);
  return response.data.login.accessToken;
}

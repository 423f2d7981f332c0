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

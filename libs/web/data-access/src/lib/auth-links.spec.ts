import { ApolloClient, ApolloLink, gql, InMemoryCache } from '@apollo/client/core';
import { Observable } from 'rxjs';

import { bearerLink, refreshOnUnauthenticatedLink } from './auth-links';
import type { TokenSession } from './token-session';
import { singleFlight } from './token-timing';

/** A stand-in TokenSession: the token it holds and a refresh that swaps it (or fails). */
function fakeSession(options: { refreshTo: string | null }) {
  let token: string | null = 'old';
  let refreshes = 0;
  const session = {
    accessToken: () => token,
    fresh: () => Promise.resolve(token),
    refresh: singleFlight(async () => {
      refreshes++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      token = options.refreshTo;
      return token;
    }),
  };
  return { session: session as unknown as TokenSession, refreshes: () => refreshes };
}

/** The server: accepts only `Bearer new`, else UNAUTHENTICATED; records the headers it saw. */
function fakeServer() {
  const seen: (string | undefined)[] = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const { headers } = operation.getContext() as { headers?: Record<string, string> };
        seen.push(headers?.['authorization']);
        observer.next(
          headers?.['authorization'] === 'Bearer new'
            ? { data: { me: { __typename: 'User', id: '1' } } }
            : {
                data: null,
                errors: [
                  { message: 'Invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } },
                ],
              },
        );
        observer.complete();
      }),
  );
  return { link, seen };
}

const ME = gql`
  query Me {
    me {
      id
    }
  }
`;

function client(session: TokenSession, server: ApolloLink): ApolloClient {
  return new ApolloClient({
    cache: new InMemoryCache(),
    // Three identical queries must reach the link three times (as distinct components' would).
    queryDeduplication: false,
    link: ApolloLink.from([refreshOnUnauthenticatedLink(session), bearerLink(session), server]),
  });
}

describe('refreshOnUnauthenticatedLink + bearerLink', () => {
  it('refreshes once for concurrent UNAUTHENTICATED answers and retries each operation once with the new token', async () => {
    const { session, refreshes } = fakeSession({ refreshTo: 'new' });
    const server = fakeServer();
    const apollo = client(session, server.link);
    const results = await Promise.all(
      [0, 1, 2].map(() => apollo.query({ query: ME, fetchPolicy: 'network-only' })),
    );
    expect(results.map((result) => result.data)).toEqual([
      { me: { __typename: 'User', id: '1' } },
      { me: { __typename: 'User', id: '1' } },
      { me: { __typename: 'User', id: '1' } },
    ]);
    expect(refreshes()).toBe(1);
    expect(server.seen.filter((header) => header === 'Bearer old')).toHaveLength(3);
    expect(server.seen.filter((header) => header === 'Bearer new')).toHaveLength(3);
  });

  it('passes the original error on when the refresh is refused, without retrying', async () => {
    const { session, refreshes } = fakeSession({ refreshTo: null });
    const server = fakeServer();
    await expect(
      client(session, server.link).query({ query: ME, fetchPolicy: 'network-only' }),
    ).rejects.toThrow('Invalid or expired token');
    expect(refreshes()).toBe(1);
    expect(server.seen).toEqual(['Bearer old']);
  });

  it('sends sign-in operations without a token and does not refresh for them', async () => {
    const { session, refreshes } = fakeSession({ refreshTo: 'new' });
    const server = fakeServer();
    const login = gql`
      mutation Login {
        login(input: { username: "a", password: "b" }) {
          accessToken
        }
      }
    `;
    await expect(client(session, server.link).mutate({ mutation: login })).rejects.toThrow(
      'Invalid or expired token',
    );
    expect(server.seen).toEqual([undefined]);
    expect(refreshes()).toBe(0);
  });
});

import { provideHttpClient, withFetch } from '@angular/common/http';
import { inject, type EnvironmentProviders, type Provider } from '@angular/core';
import { ApolloLink, InMemoryCache } from '@apollo/client/core';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';

import { bearerLink, refreshOnUnauthenticatedLink } from './auth-links';
import { GraphqlSocket } from './graphql-socket';
import { TokenSession } from './token-session';

/** The cache: streams and users normalised by id, so subscription results update every view. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // Lists the client replaces as a whole (they are re-read, never paged here).
          liveStreams: { merge: false },
          userStreams: { merge: false },
          myWallets: { merge: false },
        },
      },
      Stream: { fields: { recording: { merge: true }, stats: { merge: true } } },
      ChatMessage: { keyFields: ['id'] },
      Wallet: { keyFields: ['currency'] },
    },
  });
}

/**
 * apollo-angular with a split link: subscriptions over the graphql-ws socket, everything else
 * over HTTP (same origin, bearer token added by bearerLink, renewed and retried once on
 * UNAUTHENTICATED by refreshOnUnauthenticatedLink).
 */
export function provideGraphql(): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(withFetch()),
    provideApollo(() => {
      const session = inject(TokenSession);
      const http = ApolloLink.from([
        refreshOnUnauthenticatedLink(session),
        bearerLink(session),
        inject(HttpLink).create({ uri: '/graphql' }),
      ]);
      const ws = new GraphQLWsLink(inject(GraphqlSocket).client);
      return {
        link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), ws, http),
        cache: createCache(),
      };
    }),
  ];
}

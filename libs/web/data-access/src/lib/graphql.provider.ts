import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { inject, type EnvironmentProviders, type Provider } from '@angular/core';
import { ApolloLink, InMemoryCache } from '@apollo/client/core';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';

import { authInterceptor } from './auth.interceptor';
import { GraphqlSocket } from './graphql-socket';

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
 * over HTTP (same origin, bearer token added by the interceptor).
 */
export function provideGraphql(): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
    provideApollo(() => {
      const http = inject(HttpLink).create({ uri: '/graphql' });
      const ws = new GraphQLWsLink(inject(GraphqlSocket).client);
      return {
        link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), ws, http),
        cache: createCache(),
      };
    }),
  ];
}

import type { Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { Apollo, QueryRef } from 'apollo-angular';
import { map } from 'rxjs';

import {
  MyWalletsDocument,
  type MyWalletsQuery,
  type MyWalletsQueryVariables,
} from './graphql.generated';

/**
 * The signed-in user's USD balance, fresh from the server (null while loading), whether payments
 * are in TEST MODE, and the query to refetch them. Call in an injection context (a field initializer).
 */
export function watchUsdBalance(apollo: Apollo): {
  query: QueryRef<MyWalletsQuery, MyWalletsQueryVariables>;
  cents: Signal<number | null>;
  /** Deposits go to the sandbox provider: no real money (shown as TEST MODE). */
  testMode: Signal<boolean>;
} {
  const query = apollo.watchQuery({ query: MyWalletsDocument, fetchPolicy: 'network-only' });
  const cents = toSignal(
    query.valueChanges.pipe(
      map((result) =>
        result.dataState === 'complete'
          ? (result.data.myWallets.find((wallet) => wallet.currency === 'USD')?.balanceCents ?? 0)
          : null,
      ),
    ),
    { initialValue: null },
  );
  const testMode = toSignal(
    query.valueChanges.pipe(
      map((result) => result.dataState === 'complete' && result.data.paymentsTestMode),
    ),
    { initialValue: false },
  );
  return { query, cents, testMode };
}

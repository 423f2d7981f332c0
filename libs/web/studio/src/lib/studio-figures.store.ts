import { computed, DestroyRef, inject, Injectable, LOCALE_ID, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Apollo } from 'apollo-angular';
import {
  auditTime,
  EMPTY,
  filter,
  ignoreElements,
  map,
  merge,
  of,
  Subject,
  switchMap,
  type Observable,
} from 'rxjs';

import { formatCents } from '@finserve/web/ui';

import {
  StudioChatActivityDocument,
  StudioStatsDocument,
  TipReceivedDocument,
  type StudioStatsQuery,
  type TipReceivedSubscription,
} from './graphql.generated';

export type ReceivedTip = TipReceivedSubscription['tipReceived'];
type LiveStats = NonNullable<StudioStatsQuery['stream']>['stats'];

/** The tips list keeps the newest this many. */
const MAX_TIPS = 50;

/** A tip added to the list (pure: unit-tested): newest first, each once, at most 50. */
export function withTip(list: readonly ReceivedTip[], tip: ReceivedTip): ReceivedTip[] | null {
  if (list.some((known) => known.id === tip.id)) return null;
  return [tip, ...list].slice(0, MAX_TIPS);
}

/**
 * The LIVE stream's figures on the console (provided by the studio page): chat messages and tips
 * (gross and net), re-read when something happens (a message, a tip) at most every 2 s, and the
 * tips as they arrive, each in a snackbar and a running list.
 */
@Injectable()
export class StudioFiguresStore {
  private readonly apollo = inject(Apollo);
  private readonly snackBar = inject(MatSnackBar);
  private readonly locale = inject(LOCALE_ID);
  private readonly destroyRef = inject(DestroyRef);

  /** Newest first. */
  readonly tips = signal<ReceivedTip[]>([]);
  private readonly stats = signal<LiveStats | undefined>(undefined);
  readonly messageCount = computed(() => this.stats()?.messageCount ?? 0);
  readonly tipTotal = computed(() => this.stats()?.tipTotals[0]);
  readonly tipNetTotal = computed(() => this.stats()?.tipNetTotals[0]);

  private readonly tipArrived = new Subject<void>();

  /** Follows the LIVE stream `liveId` (undefined: none); call once, from the page's constructor. */
  bind(liveId$: Observable<string | undefined>): void {
    liveId$
      .pipe(
        switchMap((id) => (id ? this.statsOf(id) : of(undefined))),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((stats) => this.stats.set(stats));
    // Tips: a snackbar each and a running list.
    liveId$
      .pipe(
        switchMap((id) =>
          id
            ? this.apollo.subscribe({
                query: TipReceivedDocument,
                variables: { streamId: id },
                fetchPolicy: 'no-cache',
              })
            : EMPTY,
        ),
        map((result) => result.data?.tipReceived),
        filter((tip): tip is ReceivedTip => !!tip),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((tip) => this.received(tip));
  }

  /** The stream's figures, read again on a message or a tip, at most every 2 s. */
  private statsOf(id: string): Observable<LiveStats | undefined> {
    const query = this.apollo.watchQuery({
      query: StudioStatsDocument,
      variables: { id },
      fetchPolicy: 'network-only',
    });
    const activity = merge(
      this.apollo.subscribe({
        query: StudioChatActivityDocument,
        variables: { streamId: id },
        fetchPolicy: 'no-cache',
      }),
      this.tipArrived,
    ).pipe(
      auditTime(2000),
      switchMap(() => query.refetch()),
      ignoreElements(),
    );
    return merge(
      query.valueChanges.pipe(
        map((result) => (result.dataState === 'complete' ? result.data.stream?.stats : undefined)),
      ),
      activity,
    );
  }

  private received(tip: ReceivedTip): void {
    const list = withTip(this.tips(), tip);
    if (!list) return;
    this.tips.set(list);
    this.tipArrived.next();
    const name = tip.from.displayName;
    const amount = formatCents(tip.amountCents, tip.currency, this.locale);
    const net = formatCents(tip.netCents, tip.currency, this.locale);
    const text = $localize`:@@studio.tipSnack:${name}:name: tipped ${amount}:amount: (you get ${net}:net:)`;
    this.snackBar.open(text, $localize`:@@common.ok:OK`, { duration: 6000 });
  }
}

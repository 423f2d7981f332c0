import { PubSub } from 'graphql-subscriptions';

import { subscriptionIterator } from './subscription-iterator';

describe('subscriptionIterator', () => {
  it('yields the initial values, then mapped events, and completes after the last one', async () => {
    const bus = new PubSub();
    const iterator = subscriptionIterator<{ n: number }, number>({
      initial: [0],
      source: bus.asyncIterableIterator<{ n: number }>('c'),
      map: (event) => (event.n % 2 === 0 ? event.n : undefined),
      last: (n) => n >= 4,
    });
    expect(await iterator.next()).toEqual({ value: 0, done: false });
    const pending = iterator.next();
    for (const n of [1, 2, 3, 4, 6]) await bus.publish('c', { n });
    expect(await pending).toEqual({ value: 2, done: false });
    expect(await iterator.next()).toEqual({ value: 4, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('runs onClose once, at once, when returned while waiting for an event', async () => {
    const bus = new PubSub();
    const onClose = jest.fn();
    const iterator = subscriptionIterator<number, number>({
      source: bus.asyncIterableIterator<number>('c'),
      map: (n) => n,
      onClose,
    });
    const waiting = iterator.next();
    await iterator.return();
    await iterator.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

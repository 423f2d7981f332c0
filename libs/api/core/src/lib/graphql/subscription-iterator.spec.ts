import { PubSub } from 'graphql-subscriptions';

import { channelSubscription, subscriptionIterator } from './subscription-iterator';

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

  it('iterated directly, a channel subscription joins its channel on the first next() and closes once', async () => {
    const bus = new PubSub();
    const onClose = jest.fn();
    const iterator = channelSubscription<{ n: number }, number>({
      bus,
      channel: 'c',
      map: (event) => (event.n > 0 ? event.n * 10 : undefined),
      last: (n) => n >= 30,
      onClose,
    });
    await bus.publish('c', { n: 9 }); // before the first next(): not subscribed yet
    const pending = iterator.next();
    for (const n of [0, 1, 3, 4]) await bus.publish('c', { n });
    expect(await pending).toEqual({ value: 10, done: false });
    expect(await iterator.next()).toEqual({ value: 30, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await iterator.return();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('runs a channel subscription’s onClose when it is returned before ever being iterated', async () => {
    const onClose = jest.fn();
    const iterator = channelSubscription<number, number>({
      bus: new PubSub(),
      channel: 'c',
      map: (n) => n,
      onClose,
    });
    await iterator.return();
    await iterator.return();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});

import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('flushes a quiet key at once, merges a burst into one trailing flush per second, per key', async () => {
    const flushed: string[] = [];
    const coalescer = new Coalescer(
      1000,
      (key) => {
        flushed.push(key);
        return Promise.resolve();
      },
      () => undefined,
    );
    coalescer.touch('a');
    expect(flushed).toEqual(['a']);
    for (let i = 0; i < 5000; i++) coalescer.touch(i % 2 ? 'a' : 'b');
    expect(flushed).toEqual(['a', 'b']);
    jest.advanceTimersByTime(999);
    expect(flushed).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1);
    expect(flushed).toEqual(['a', 'b', 'a', 'b']);
    jest.advanceTimersByTime(5000);
    expect(flushed).toHaveLength(4);
    coalescer.touch('a');
    expect(flushed).toEqual(['a', 'b', 'a', 'b', 'a']);
    await coalescer.stop();
  });
});

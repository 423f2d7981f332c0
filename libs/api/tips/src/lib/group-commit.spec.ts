import { GroupCommit, type BatchOutcome } from './group-commit';

/** A flush that records its batches and answers when told to. */
function recorder() {
  const batches: Array<{ key: string; items: number[] }> = [];
  const releases: Array<() => void> = [];
  const flush = (key: string, items: number[]): Promise<BatchOutcome<number>[]> => {
    batches.push({ key, items });
    return new Promise((resolve) =>
      releases.push(() =>
        resolve(
          items.map((item) =>
            item < 0
              ? { ok: false, error: new Error(`bad ${item}`) }
              : { ok: true, value: item * 10 },
          ),
        ),
      ),
    );
  };
  return { batches, releases, flush };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('starts the first item at once, and batches what arrives while it is in flight', async () => {
    const { batches, releases, flush } = recorder();
    const group = new GroupCommit(flush, 3);
    const first = group.submit('s', 1);
    const rest = [2, 3, 4, 5, 6].map((item) => group.submit('s', item));
    await tick();
    expect(batches).toEqual([{ key: 's', items: [1] }]);
    releases.shift()?.();
    await expect(first).resolves.toBe(10);
    await tick();
    expect(batches[1]).toEqual({ key: 's', items: [2, 3, 4] });
    releases.shift()?.();
    await tick();
    expect(batches[2]).toEqual({ key: 's', items: [5, 6] });
    releases.shift()?.();
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40, 50, 60]);
    expect(group.pending('s')).toBe(0);
  });

  it('keeps keys apart: another key does not wait for a batch in flight', async () => {
    const { batches, flush } = recorder();
    const group = new GroupCommit(flush, 10);
    void group.submit('a', 1);
    void group.submit('a', 2);
    void group.submit('b', 3);
    await tick();
    expect(batches).toEqual([
      { key: 'a', items: [1] },
      { key: 'b', items: [3] },
    ]);
  });

  it('fails only the item whose outcome is an error, and every item when the flush throws', async () => {
    const { releases, flush } = recorder();
    const group = new GroupCommit(flush, 10);
    const good = group.submit('s', 1);
    await tick();
    const mixed = [group.submit('s', 2), group.submit('s', -3)];
    releases.shift()?.();
    await good;
    await tick();
    releases.shift()?.();
    await expect(mixed[0]).resolves.toBe(20);
    await expect(mixed[1]).rejects.toThrow('bad -3');

    const failing = new GroupCommit<number, number>(() => Promise.reject(new Error('db down')), 10);
    await expect(Promise.all([failing.submit('s', 1)])).rejects.toThrow('db down');
    // The key is free again after a failed batch.
    expect(failing.pending('s')).toBe(0);
  });

  it('refuses a batch size below one', () => {
    expect(() => new GroupCommit(() => Promise.resolve([]), 0)).toThrow(RangeError);
  });
});

/** One item's outcome from a batch: its result, or the error that item alone failed with. */
export type BatchOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiting<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (as TigerBeetle or PostgreSQL's own WAL writer do it): items of one key run in
 * batches, one at a time per key. The first item of an idle key starts its batch at once (no
 * added latency when load is light); the items that arrive while a batch is in flight wait and
 * go together in the next one, up to `maxBatch`. `flush` answers one outcome per item, in order;
 * if it throws, every item of that batch fails with its error.
 */
export class GroupCommit<I, R> {
  private readonly queues = new Map<string, Waiting<I, R>[]>();

  constructor(
    private readonly flush: (key: string, items: I[]) => Promise<BatchOutcome<R>[]>,
    private readonly maxBatch: number,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be >= 1');
  }

  /** Items waiting or in flight for a key (for tests and metrics). */
  pending(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      const fresh: Waiting<I, R>[] = [{ item, resolve, reject }];
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, queue: Waiting<I, R>[]): Promise<void> {
    try {
      while (queue.length) {
        const batch = queue.slice(0, this.maxBatch);
        let outcomes: BatchOutcome<R>[];
        try {
          outcomes = await this.flush(
            key,
            batch.map((waiting) => waiting.item),
          );
        } catch (error) {
          outcomes = batch.map(() => ({ ok: false, error }));
        }
        // Taken off the queue only now: what arrived meanwhile stayed behind them.
        queue.splice(0, batch.length);
        batch.forEach((waiting, index) => {
          const outcome = outcomes[index];
          if (!outcome) waiting.reject(new Error('group commit: no outcome for an item'));
          else if (outcome.ok) waiting.resolve(outcome.value);
          else waiting.reject(outcome.error);
        });
      }
    } finally {
      this.queues.delete(key);
    }
  }
}

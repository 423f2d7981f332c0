/**
 * Runs `flush(key)` at most once per `intervalMs` per key, and always after the last `touch`:
 * the first change of a quiet key flushes at once, later ones within the interval are merged
 * into one trailing flush. A storm of N changes on K keys costs O(K) flushes per interval.
 */
export class Coalescer {
  private readonly lastFlush = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (key: string) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  touch(key: string): void {
    if (this.pending.has(key)) return;
    const wait = (this.lastFlush.get(key) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.run(key);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.run(key);
    }, wait);
    timer.unref();
    this.pending.set(key, timer);
  }

  /** Waits for running flushes and drops pending ones (shutdown). */
  async stop(): Promise<void> {
    this.pending.forEach((timer) => clearTimeout(timer));
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }

  private run(key: string): void {
    this.lastFlush.set(key, this.now());
    const flushing = this.flush(key).catch(this.onError);
    this.running.add(flushing);
    void flushing.finally(() => this.running.delete(flushing));
  }
}

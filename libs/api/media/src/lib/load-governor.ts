/**
 * Load shedding of one media worker (pure logic, fed once a second by the worker).
 *
 * A media worker that is asked to forward more than its core can send does not fail one viewer:
 * its event loop falls behind, every socket's queue grows, and everything on that thread is late
 * together, the publisher's ICE consent answers included (a publisher whose consent checks go
 * unanswered for 30 s is dropped, RFC 7675, and the stream with it). The viewers' own allocators
 * see it too late: their loss is the symptom, not the cause.
 *
 * So, as Jitsi Videobridge's load management lowers what the bridge forwards when its packet rate
 * is too high, the worker watches how busy its own event loop is (the share of wall time it was
 * not waiting for I/O: also the time the OS gave its core to other processes) and
 * - SHEDS half a layer when it was at least `high` busy for `highSamples` samples in a row (a
 *   whole layer when the last was at least `severe`): the
 *   top layer is taken off what the allocators of half its viewers may choose (by a rank each
 *   viewer draws; a pinned HIGH gets the nearest layer left), and viewers on it switch down at
 *   the next layer's keyframe. Another half step follows if the worker is still overloaded
 *   `settleMs` later: the top layer for all, then the next for half, then for all. The lowest
 *   layer is never shed (admission control, MEDIA_NODE_MAX_VIEWERS, is the next guard). Half
 *   steps: a worker just past its limit degrades half its viewers, not all of them.
 * - RESTORES half a layer after `restoreAfterMs` in a row under `low`. A restore that overloads
 *   the worker again within `failedRestoreMs` doubles the next wait (up to `maxRestoreWaitMs`),
 *   so a worker at its limit does not swing between layers; one that holds resets it.
 */
export const LOAD_SHEDDING = {
  sampleMs: 1000,
  /** Event-loop utilisation (0..1) of a sample that counts as overloaded. */
  high: 0.9,
  /** Utilisation of a sample so overloaded that a whole layer goes at once, not half. */
  severe: 0.97,
  /** Overloaded samples in a row before a layer is shed. */
  highSamples: 2,
  /** Utilisation under which the worker has room to give a layer back. */
  low: 0.6,
  restoreAfterMs: 10_000,
  /** No other step for this long after one (the viewers' switches wait for keyframes). */
  settleMs: 2000,
  failedRestoreMs: 20_000,
  maxRestoreWaitMs: 120_000,
  /** One step sheds or restores this much of a layer (a share of the viewers). */
  step: 0.5,
  /** At most this many layers are shed (simulcast sends three: the lowest always stays). */
  maxShed: 2,
} as const;

export class LoadGovernor {
  /** Layers taken off the top of the worker's viewers (0: none; 1.5: one for all, two for half). */
  shed = 0;
  /** The last sample's utilisation. */
  utilization = 0;
  private overloadedSamples = 0;
  private calmSince?: number;
  private lastStep = -Infinity;
  private restoreWait: number = LOAD_SHEDDING.restoreAfterMs;
  private lastRestore?: number;

  /** One sample of the worker's event-loop utilisation; returns the layers to shed now. */
  update(utilization: number, now: number): number {
    this.utilization = utilization;
    if (this.lastRestore !== undefined && now - this.lastRestore >= LOAD_SHEDDING.failedRestoreMs) {
      // The last restore held: the next one waits the normal time.
      this.restoreWait = LOAD_SHEDDING.restoreAfterMs;
      this.lastRestore = undefined;
    }
    const settled = now - this.lastStep >= LOAD_SHEDDING.settleMs;
    if (utilization >= LOAD_SHEDDING.high) {
      this.calmSince = undefined;
      this.overloadedSamples++;
      if (
        this.overloadedSamples >= LOAD_SHEDDING.highSamples &&
        this.shed < LOAD_SHEDDING.maxShed &&
        settled
      ) {
        if (this.lastRestore !== undefined)
          this.restoreWait = Math.min(this.restoreWait * 2, LOAD_SHEDDING.maxRestoreWaitMs);
        this.lastRestore = undefined;
        // A worker at its limit degrades half its viewers; one far past it, all of them at once
        // (its publisher's answers are late already).
        const step =
          utilization >= LOAD_SHEDDING.severe ? 2 * LOAD_SHEDDING.step : LOAD_SHEDDING.step;
        this.shed = Math.min(LOAD_SHEDDING.maxShed, this.shed + step);
        this.lastStep = now;
        this.overloadedSamples = 0;
      }
      return this.shed;
    }
    this.overloadedSamples = 0;
    if (utilization >= LOAD_SHEDDING.low) {
      this.calmSince = undefined;
      return this.shed;
    }
    this.calmSince ??= now;
    if (this.shed > 0 && settled && now - this.calmSince >= this.restoreWait) {
      this.shed -= LOAD_SHEDDING.step;
      this.lastStep = now;
      this.lastRestore = now;
      this.calmSince = now;
    }
    return this.shed;
  }
}

/**
 * The layers a viewer may get while `shed` are shed: `layers` sorted highest first, without the
 * top `shed` of them (the lowest one always stays).
 */
export function afterShedding<T>(layers: T[], shed: number): T[] {
  return layers.slice(Math.min(shed, Math.max(0, layers.length - 1)));
}

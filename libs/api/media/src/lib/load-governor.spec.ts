import { LayerAllocator, type AllocatorLayer } from './layer-allocator';
import { afterShedding, LOAD_SHEDDING, LoadGovernor } from './load-governor';

const S = LOAD_SHEDDING.sampleMs;

/** Feeds one sample a second from `from` (ms) on; returns the shed layers after each. */
function feed(governor: LoadGovernor, from: number, utilizations: number[]): number[] {
  return utilizations.map((u, i) => governor.update(u, from + i * S));
}

describe('LoadGovernor (load shedding of a media worker)', () => {
  it('sheds nothing while the worker keeps up, nor for one busy second', () => {
    const governor = new LoadGovernor();
    expect(feed(governor, 0, [0.5, 0.85, 0.95, 0.7, 0.95, 0.2])).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('sheds half a layer after two overloaded seconds, another half each time it has settled, never the lowest', () => {
    const governor = new LoadGovernor();
    const shed = feed(governor, 0, Array<number>(11).fill(0.93));
    // Second overloaded sample; then every settleMs (2 s) while still overloaded; at most 2.
    expect(shed).toEqual([0, 0.5, 0.5, 1, 1, 1.5, 1.5, 2, 2, 2, 2]);
    expect(LOAD_SHEDDING.maxShed).toBe(2);
    expect(governor.utilization).toBe(0.93);
  });

  it('sheds a whole layer per step when the worker is far past its limit', () => {
    const governor = new LoadGovernor();
    expect(feed(governor, 0, Array<number>(6).fill(0.99))).toEqual([0, 1, 1, 2, 2, 2]);
    // A half step from a half-shed worker stops at the maximum.
    const other = new LoadGovernor();
    feed(other, 0, [0.93, 0.93, 0.93, 0.93]); // 1 at 3 s
    expect(feed(other, 4 * S, [0.93, 0.99, 0.99, 0.99])).toEqual([1, 2, 2, 2]);
  });

  it('gives a layer back after 10 s calm, and waits twice as long after a restore that overloaded it again', () => {
    const governor = new LoadGovernor();
    feed(governor, 0, [0.95, 0.95]); // half a layer shed at 1 s
    const calm = feed(governor, 2 * S, Array<number>(11).fill(0.4)); // calm from 2 s
    expect(calm.at(-2)).toBe(0.5); // 9 s calm
    expect(calm.at(-1)).toBe(0); // 10 s calm: restored at 12 s
    // The restore overloads it again: shed at once (settled), and the next restore waits 20 s.
    expect(feed(governor, 15 * S, [0.95, 0.95])).toEqual([0, 0.5]);
    const again = feed(governor, 17 * S, Array<number>(21).fill(0.4));
    expect(again.at(-2)).toBe(0.5);
    expect(again.at(-1)).toBe(0);
  });

  it('resets the wait once a restore held, and counts a busy-but-not-overloaded second as not calm', () => {
    const governor = new LoadGovernor();
    feed(governor, 0, [0.95, 0.95]); // shed at 1 s
    feed(governor, 2 * S, Array<number>(11).fill(0.3)); // restored at 12 s
    // Held for failedRestoreMs: the wait goes back to 10 s.
    feed(governor, 13 * S, Array<number>(LOAD_SHEDDING.failedRestoreMs / S).fill(0.3));
    const t = 13 * S + LOAD_SHEDDING.failedRestoreMs;
    expect(feed(governor, t, [0.95, 0.95])).toEqual([0, 0.5]);
    // 0.7 is neither overloaded nor calm: the calm count starts again after it.
    const mixed = feed(governor, t + 2 * S, [...Array<number>(9).fill(0.3), 0.7]);
    expect(mixed.at(-1)).toBe(0.5);
    const calm = feed(governor, t + 12 * S, Array<number>(11).fill(0.3));
    expect(calm.at(-2)).toBe(0.5);
    expect(calm.at(-1)).toBe(0);
  });

  it('afterShedding keeps the lowest layer whatever is shed', () => {
    expect(afterShedding(['f', 'h', 'q'], 0)).toEqual(['f', 'h', 'q']);
    expect(afterShedding(['f', 'h', 'q'], 1)).toEqual(['h', 'q']);
    expect(afterShedding(['f', 'h', 'q'], 2)).toEqual(['q']);
    expect(afterShedding(['f', 'q'], 2)).toEqual(['q']);
    expect(afterShedding(['f'], 1)).toEqual(['f']);
    expect(afterShedding([], 1)).toEqual([]);
  });
});

const LAYERS: AllocatorLayer[] = [
  { key: 'f', quality: 'HIGH', bitrateKbps: 2500 },
  { key: 'h', quality: 'MEDIUM', bitrateKbps: 600 },
  { key: 'q', quality: 'LOW', bitrateKbps: 150 },
];
const clean = { reported: 100, lost: 0, nacked: 0, sentKbps: 2500 };

describe('LayerAllocator with shed layers', () => {
  it('moves a viewer on a shed layer to the highest one left without backoff, and climbs back once it is restored', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 3000, clean);
    expect(allocator.update(LAYERS, 4000, clean)).toBe('f');
    // The worker sheds 'f': straight to 'h' (not the middle of what is left, not the lowest).
    expect(allocator.update(LAYERS, 4500, clean, 1)).toBe('h');
    expect(allocator.congested).toBe(false);
    // No probe above the ceiling while it is shed, however clean.
    for (let t = 5000; t <= 15_000; t += 500) allocator.update(LAYERS, t, clean, 1);
    expect(allocator.probeKbps).toBe(0);
    // Restored: the normal climb (it was clean long enough: it probes at once, 3 s is the normal wait).
    allocator.update(LAYERS, 15_500, clean, 0);
    expect(allocator.probeKbps).toBeGreaterThan(0);
    expect(allocator.update(LAYERS, 16_500, clean, 0)).toBe('f');
  });

  it('half a layer shed takes the top layer from the viewers ranked in the lower half only', () => {
    const low = new LayerAllocator('HIGH', 0.2);
    const high = new LayerAllocator('HIGH', 0.7);
    expect(low.update(LAYERS, 0, undefined, 0.5)).toBe('h');
    expect(high.update(LAYERS, 0, undefined, 0.5)).toBe('f');
    expect(low.update(LAYERS, 0, undefined, 1.5)).toBe('q');
    expect(high.update(LAYERS, 0, undefined, 1.5)).toBe('h');
  });

  it('a new viewer of a worker that sheds two layers starts on the lowest; a pinned HIGH gets the nearest left', () => {
    expect(new LayerAllocator().update(LAYERS, 0, undefined, 2)).toBe('q');
    expect(new LayerAllocator().update(LAYERS, 0, undefined, 1)).toBe('h');
    expect(new LayerAllocator('HIGH').update(LAYERS, 0, undefined, 1)).toBe('h');
    expect(new LayerAllocator('HIGH').update(LAYERS, 0, undefined, 0)).toBe('f');
    expect(new LayerAllocator('LOW').update(LAYERS, 0, undefined, 1)).toBe('q');
  });
});

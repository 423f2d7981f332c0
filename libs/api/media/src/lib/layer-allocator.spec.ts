import {
  ALLOCATION,
  LayerAllocator,
  nearest,
  qualitiesFor,
  type AllocatorLayer,
} from './layer-allocator';

const LAYERS: AllocatorLayer[] = [
  { key: 'f', quality: 'HIGH', bitrateKbps: 2500 },
  { key: 'h', quality: 'MEDIUM', bitrateKbps: 600 },
  { key: 'q', quality: 'LOW', bitrateKbps: 150 },
];
const clean = (sentKbps = 600) => ({ reported: 100, lost: 0, nacked: 0, sentKbps });
const lossy = (fraction: number, sentKbps: number) => ({
  reported: 100,
  lost: Math.round(fraction * 100),
  nacked: Math.round(fraction * 100),
  sentKbps,
});
/** Random loss that NACK repairs before the feedback: seen only in the NACKs. */
const nacked = (fraction: number) => ({
  reported: 100,
  lost: 0,
  nacked: Math.round(fraction * 100),
  sentKbps: 600,
});

/** Drives an allocator to the top layer: middle, 3 s clean, a clean 1 s probe. */
function onTop(allocator: LayerAllocator): void {
  allocator.update(LAYERS, 0);
  allocator.update(LAYERS, 3000, clean());
  allocator.update(LAYERS, 4000, clean());
}

describe('LayerAllocator (which simulcast layer a viewer gets)', () => {
  it('starts in the middle, probes the next layer up after 3 s of clean feedback, and takes it after a clean probe', () => {
    const allocator = new LayerAllocator();
    expect(allocator.update(LAYERS, 0)).toBe('h');
    expect(allocator.update(LAYERS, 2500, clean())).toBe('h');
    expect(allocator.probeKbps).toBe(0);
    expect(allocator.update(LAYERS, 3000, clean())).toBe('h');
    expect(allocator.probeKbps).toBeCloseTo(3000); // the next layer's rate, plus 20 %
    expect(allocator.update(LAYERS, 3500, clean())).toBe('h');
    expect(allocator.update(LAYERS, 4000, clean())).toBe('f');
    expect(allocator.probeKbps).toBe(0);
  });

  it('does not switch up when the probe loses packets, and waits twice as long before the next', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 3000, clean()); // probing f
    expect(allocator.update(LAYERS, 3500, lossy(0.2, 600))).toBe('h'); // failed: no switch, no drop
    expect(allocator.probeKbps).toBe(0);
    expect(allocator.update(LAYERS, 9000, clean())).toBe('h'); // 5.5 s: not yet (6 s now)
    expect(allocator.probeKbps).toBe(0);
    allocator.update(LAYERS, 9500, clean()); // 6 s: probe again
    expect(allocator.probeKbps).toBeGreaterThan(0);
    expect(allocator.update(LAYERS, 10_500, clean())).toBe('f');
  });

  it('after a passed probe, climbs to the next layer at the normal pace, not the backed-off one', () => {
    const allocator = new LayerAllocator();
    onTop(allocator); // f at 4000
    // Congestion 1 s after the upgrade: lowest layer, and f's wait doubles (a failed upgrade).
    expect(allocator.update(LAYERS, 5000, lossy(0.2, 2500))).toBe('q');
    // The link stays congested: the probe for h fails, its wait doubles.
    allocator.update(LAYERS, 8000, clean(150)); // probing h
    expect(allocator.probeKbps).toBeGreaterThan(0);
    expect(allocator.update(LAYERS, 8500, lossy(0.2, 150))).toBe('q');
    // Freed: h is probed after its backed-off 6 s and taken...
    allocator.update(LAYERS, 14_500, clean(150));
    expect(allocator.probeKbps).toBeGreaterThan(0);
    expect(allocator.update(LAYERS, 15_500, clean(600))).toBe('h');
    // ...and f 3 s later, not 6.
    allocator.update(LAYERS, 18_500, clean(600));
    expect(allocator.probeKbps).toBeCloseTo(3000);
    expect(allocator.update(LAYERS, 19_500, clean(600))).toBe('f');
  });

  it('does not switch up when the probe fills a buffer without loss (the queue to the viewer grows)', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 3000, clean()); // probing f
    // A router's 300 ms buffer absorbs the probe: nothing lost, but the queue grew by 60 ms.
    expect(allocator.update(LAYERS, 3500, { ...clean(), queueMs: 60 })).toBe('h');
    expect(allocator.probeKbps).toBe(0);
    // A probe whose queue stays short (jitter) passes.
    allocator.update(LAYERS, 9500, clean());
    expect(allocator.update(LAYERS, 10_000, { ...clean(), queueMs: 10 })).toBe('h');
    expect(allocator.update(LAYERS, 10_500, { ...clean(), queueMs: 10 })).toBe('f');
  });

  it('drops at once to the lowest layer on heavy loss (congestion)', () => {
    const allocator = new LayerAllocator();
    onTop(allocator);
    // 2500 kbps sent into a link that carries 1750: 30 % lost -> LOW, then probes climb.
    expect(allocator.update(LAYERS, 4500, lossy(0.3, 2500))).toBe('q');
    expect(allocator.congested).toBe(true);
  });

  it('moves down one layer after 2 s of moderate loss (5 %, seen in NACKs), and stays while it lasts', () => {
    const allocator = new LayerAllocator();
    onTop(allocator);
    // The last 4 windows (one of them the clean one before) average >= 3 %.
    for (const t of [4500, 5000]) expect(allocator.update(LAYERS, t, nacked(0.05))).toBe('f');
    expect(allocator.update(LAYERS, 5500, nacked(0.05))).toBe('h');
    for (const t of [6000, 6500, 7000]) expect(allocator.update(LAYERS, t, nacked(0.05))).toBe('h');
    expect(allocator.update(LAYERS, 7500, nacked(0.05))).toBe('q');
    for (let t = 8000; t < 30_000; t += 500) {
      expect(allocator.update(LAYERS, t, nacked(0.05))).toBe('q');
      expect(allocator.probeKbps).toBe(0);
    }
  });

  it('does not move down for a moment of NACKs (a stall of the viewer), nor drop to the lowest on NACKs alone', () => {
    const allocator = new LayerAllocator();
    onTop(allocator);
    expect(allocator.update(LAYERS, 4500, nacked(0.4))).toBe('f');
    for (const t of [5000, 5500, 6000, 6500])
      expect(allocator.update(LAYERS, t, clean())).toBe('f');
  });

  it('does not judge a loss rate on too few packets, but counts a quiet window as clean', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    const few = { reported: ALLOCATION.minPackets - 1, lost: 5, nacked: 5, sentKbps: 600 };
    expect(allocator.update(LAYERS, 500, few)).toBe('h');
    const quiet = { reported: 4, lost: 0, nacked: 0, sentKbps: 60 };
    expect(allocator.update(LAYERS, 3500, quiet)).toBe('h'); // probing
    expect(allocator.probeKbps).toBeGreaterThan(2500);
    expect(allocator.update(LAYERS, 4500, quiet)).toBe('f');
  });

  it('pins a quality (or the nearest layer sent) until AUTO again', () => {
    const allocator = new LayerAllocator('LOW');
    expect(allocator.update(LAYERS, 0, clean())).toBe('q');
    expect(allocator.update(LAYERS, 10_000, clean())).toBe('q');
    expect(allocator.probeKbps).toBe(0);
    allocator.setQuality('HIGH', 10_000);
    expect(allocator.update(LAYERS, 10_500, lossy(0.5, 2500))).toBe('f');
    allocator.setQuality('AUTO', 11_000);
    expect(allocator.update(LAYERS, 11_000)).toBe('h');
    const two = [LAYERS[0], { ...LAYERS[2] }];
    expect(nearest(two, 'MEDIUM').key).toBe('q');
    expect(nearest([LAYERS[0]], 'LOW').key).toBe('f');
  });

  it('names layers by count', () => {
    expect(qualitiesFor(1)).toEqual(['HIGH']);
    expect(qualitiesFor(2)).toEqual(['HIGH', 'LOW']);
    expect(qualitiesFor(3)).toEqual(['HIGH', 'MEDIUM', 'LOW']);
  });
});

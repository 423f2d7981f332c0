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
const clean = (sentKbps = 600) => ({ reported: 100, lost: 0, sentKbps });
const lossy = (fraction: number, sentKbps: number) => ({
  reported: 100,
  lost: Math.round(fraction * 100),
  sentKbps,
});

describe('LayerAllocator (which simulcast layer a viewer gets)', () => {
  it('starts in the middle and climbs one layer after 3 s of clean feedback', () => {
    const allocator = new LayerAllocator();
    expect(allocator.update(LAYERS, 0)).toBe('h');
    expect(allocator.update(LAYERS, 2500, clean())).toBe('h');
    expect(allocator.update(LAYERS, 3000, clean())).toBe('f');
  });

  it('drops at once on heavy loss to the layer that fits what got through', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 3000, clean());
    // 2500 kbps sent into a 500 kbps link: 80 % lost -> 500 * 0.85 fits only LOW.
    expect(allocator.update(LAYERS, 3500, lossy(0.8, 2500))).toBe('q');
  });

  it('moves down one layer after two windows of moderate loss (5 %), and stays while it lasts', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 3000, clean());
    expect(allocator.update(LAYERS, 3500, lossy(0.05, 2500))).toBe('f');
    expect(allocator.update(LAYERS, 4000, lossy(0.05, 2500))).toBe('h');
    expect(allocator.update(LAYERS, 4500, lossy(0.05, 600))).toBe('h');
    expect(allocator.update(LAYERS, 5000, lossy(0.05, 600))).toBe('q');
    for (let t = 5500; t < 30_000; t += 500)
      expect(allocator.update(LAYERS, t, lossy(0.05, 150))).toBe('q');
  });

  it('waits longer before retrying a layer whose upgrade failed, and still climbs back', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    allocator.update(LAYERS, 500, lossy(0.5, 600)); // -> LOW
    expect(allocator.update(LAYERS, 3500, clean(150))).toBe('h'); // tries MEDIUM after 3 s
    expect(allocator.update(LAYERS, 4000, lossy(0.3, 600))).toBe('q'); // failed
    // Next try of MEDIUM only after 6 s of clean feedback.
    expect(allocator.update(LAYERS, 9500, clean(150))).toBe('q');
    expect(allocator.update(LAYERS, 10_000, clean(150))).toBe('h');
    expect(allocator.update(LAYERS, 13_000, clean(600))).toBe('f');
  });

  it('ignores windows with too few packets to judge', () => {
    const allocator = new LayerAllocator();
    allocator.update(LAYERS, 0);
    expect(
      allocator.update(LAYERS, 500, {
        reported: ALLOCATION.minPackets - 1,
        lost: 5,
        sentKbps: 600,
      }),
    ).toBe('h');
  });

  it('pins a quality (or the nearest layer sent) until AUTO again', () => {
    const allocator = new LayerAllocator('LOW');
    expect(allocator.update(LAYERS, 0, clean())).toBe('q');
    expect(allocator.update(LAYERS, 10_000, clean())).toBe('q');
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

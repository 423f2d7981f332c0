import { layerOfHeight, playingLayerLabel } from './quality';

const layers = [
  { quality: 'HIGH' as const, height: 720 },
  { quality: 'MEDIUM' as const, height: 360 },
  { quality: 'LOW' as const, height: 180 },
];

describe('layerOfHeight', () => {
  it('finds the layer with the nearest height, and none without a picture or layers', () => {
    expect(layerOfHeight(720, layers)?.quality).toBe('HIGH');
    expect(layerOfHeight(358, layers)?.quality).toBe('MEDIUM');
    expect(layerOfHeight(176, layers)?.quality).toBe('LOW');
    expect(layerOfHeight(0, layers)).toBeUndefined();
    expect(layerOfHeight(720, [])).toBeUndefined();
  });
});

describe('playingLayerLabel', () => {
  it('says what Auto picked, and names a pinned layer by its resolution and quality', () => {
    expect(playingLayerLabel('AUTO', 720, layers)).toBe('Auto → 720p (High)');
    expect(playingLayerLabel('MEDIUM', 360, layers)).toBe('360p (Medium)');
  });

  it('shows the resolution alone when no layer is known, and the choice before any picture', () => {
    expect(playingLayerLabel('AUTO', 1080, [])).toBe('Auto → 1080p');
    expect(playingLayerLabel('LOW', 0, layers)).toBe('Low');
  });
});

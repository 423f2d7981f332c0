import { qualityName, resolutionLabel } from '@finserve/web/ui';

import type { VideoQuality } from './graphql.generated';

/** What a layer needs to be recognised by its height. */
interface Layer {
  quality: VideoQuality;
  height: number;
}

/**
 * The layer a decoded picture comes from: the one whose height is nearest (pure: unit-tested).
 * Heights differ a little when the encoder rounds a scaled size (1080 / 4 = 270 may arrive 268).
 */
export function layerOfHeight<T extends Layer>(
  height: number,
  layers: readonly T[],
): T | undefined {
  if (height <= 0) return undefined;
  let best: T | undefined;
  for (const layer of layers) {
    if (!best || Math.abs(layer.height - height) < Math.abs(best.height - height)) best = layer;
  }
  return best;
}

/**
 * The stats panel's "Layer" (pure: unit-tested): the resolution playing and its layer, "720p
 * (High)"; while the SFU picks, "Auto → 720p (High)"; only the choice before any picture.
 */
export function playingLayerLabel(
  choice: VideoQuality,
  height: number,
  layers: readonly Layer[],
): string {
  if (height <= 0) return qualityName(choice);
  const layer = layerOfHeight(height, layers);
  const resolution = resolutionLabel(height);
  const playing = layer
    ? $localize`:@@player.layer:${resolution}:resolution: (${qualityName(layer.quality)}:quality:)`
    : resolution;
  return choice === 'AUTO' ? $localize`:@@player.layer.auto:Auto → ${playing}:layer:` : playing;
}

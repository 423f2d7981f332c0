/** The picture qualities of the contract's `VideoQuality`, as the player and the studio name them. */
export type VideoQualityName = 'AUTO' | 'HIGH' | 'MEDIUM' | 'LOW';

/** "Auto", "High", "Medium", "Low" in the app's language. */
export function qualityName(quality: VideoQualityName): string {
  switch (quality) {
    case 'AUTO':
      return $localize`:@@quality.auto:Auto`;
    case 'HIGH':
      return $localize`:@@quality.high:High`;
    case 'MEDIUM':
      return $localize`:@@quality.medium:Medium`;
    case 'LOW':
      return $localize`:@@quality.low:Low`;
  }
}

/** A picture's height the way video players say it: "720p" (the same in every language). */
export function resolutionLabel(height: number): string {
  return `${Math.round(height)}p`;
}

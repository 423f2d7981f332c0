import { statSync } from 'node:fs';
import { join } from 'node:path';

import { demoAssetsDirectory, loadDemoClip } from './demo-clip';

describe('the committed demo clip (assets/make-clip.sh)', () => {
  it('is small, loops 12 s of VP8 starting on a keyframe with one every second, with 20 ms Opus packets throughout', async () => {
    const directory = demoAssetsDirectory();
    expect(statSync(join(directory, 'clip.webm')).size).toBeLessThan(1024 * 1024);
    const clip = await loadDemoClip(directory);
    expect(clip.durationMs).toBe(12_000);
    expect(clip.video).toHaveLength(300);
    const keyframes = clip.video.filter((frame) => frame.key).map((frame) => frame.timeMs);
    expect(keyframes).toEqual(Array.from({ length: 12 }, (_, i) => i * 1000));
    // Audio: one 20 ms packet after the other, exactly filling the loop.
    expect(clip.audio.map((frame) => frame.timeMs)).toEqual(
      Array.from({ length: 600 }, (_, i) => i * 20),
    );
    expect(clip.audio.every((frame) => frame.data.length > 0)).toBe(true);
    expect(clip.stills.length).toBeGreaterThan(0);
    for (const still of clip.stills) expect([...still.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });
});

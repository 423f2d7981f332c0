import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A camera for picture-quality tests: a Y4M clip for Chromium's
 * `--use-file-for-fake-video-capture`. Chromium's built-in fake camera draws a flat green frame
 * that any encoder squeezes into a few hundred kbps, so it cannot show whether a publisher ramps
 * up to 2.5 Mbps; this clip is detailed and moving, so the encoder spends the bits it is allowed,
 * as it does on a real camera or a busy chart. Written once per machine (a few seconds), then
 * reused.
 */
/** The band of fresh blocks: its height and block size. */
const BAND_ROWS = 64;
const BAND_BLOCK = 16;

export async function detailedCameraClip(
  width = 1280,
  height = 720,
  fps = 30,
  frames = 60,
): Promise<string> {
  const path = join(tmpdir(), `finserve-camera-v5-${width}x${height}-${fps}-${frames}.y4m`);
  if (existsSync(path)) return path;
  const partial = `${path}.${process.pid}.part`;
  const out = createWriteStream(partial);
  const write = async (chunk: Buffer | string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  // A smooth texture panning 3 px a frame (cheap to predict, as a camera's scene), under a band
  // of fresh 16x16 blocks sweeping down (new detail every frame, as moving text and chart
  // lines): together the 2.5 Mbps of the top layer at 720p and 25-30 fps, without the frame
  // drops that coding noise causes (tried: per-pixel grain and 4x4 blocks fall to 3-20 fps).
  const textureWidth = width + frames * 3;
  const texture = Buffer.alloc(textureWidth * height);
  // Smooth: random values on a 32 px grid, bilinearly interpolated (scales down gracefully).
  const grid = 32;
  const columns = Math.ceil(textureWidth / grid) + 1;
  const knots = Buffer.alloc(columns * (Math.ceil(height / grid) + 1));
  for (let i = 0; i < knots.length; i++) knots[i] = 30 + (random() % 196);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < textureWidth; x++) {
      const gx = Math.floor(x / grid);
      const gy = Math.floor(y / grid);
      const fx = (x % grid) / grid;
      const fy = (y % grid) / grid;
      const k = (cx: number, cy: number) => knots[cy * columns + cx];
      const top = k(gx, gy) * (1 - fx) + k(gx + 1, gy) * fx;
      const bottom = k(gx, gy + 1) * (1 - fx) + k(gx + 1, gy + 1) * fx;
      texture[y * textureWidth + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2));
  const band = BAND_ROWS;
  for (let f = 0; f < frames; f++) {
    const luma = Buffer.alloc(width * height);
    const shift = f * 3;
    for (let y = 0; y < height; y++)
      texture.copy(luma, y * width, y * textureWidth + shift, y * textureWidth + shift + width);
    const top = Math.floor((f / frames) * (height - band)) & ~7;
    for (let y = top; y < top + band; y += BAND_BLOCK)
      for (let x = 0; x < width; x += BAND_BLOCK) {
        const value = 16 + (random() % 220);
        for (let dy = 0; dy < BAND_BLOCK; dy++)
          luma.fill(value, (y + dy) * width + x, (y + dy) * width + x + BAND_BLOCK);
      }
    for (let i = 0; i < chroma.length; i++) chroma[i] = 128 + ((i + f * 8) % 64) - 32;
    await write('FRAME\n');
    await write(luma);
    await write(chroma);
    await write(chroma);
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, path);
  return path;
}

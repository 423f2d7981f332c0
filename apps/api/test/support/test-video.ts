import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A camera for picture-quality tests: a Y4M clip for Chromium's
 * `--use-file-for-fake-video-capture`. Chromium's built-in fake camera draws a flat green frame
 * that any encoder squeezes into a few hundred kbps, so it cannot show whether a publisher ramps
 * up to 2.5 Mbps; this clip is detailed and moving (a noise texture panning 6 px a frame, under
 * a band of fresh noise sweeping down), so the encoder spends every bit it is allowed, as it does
 * on a real camera or a busy chart. Written once per machine (a few seconds), then reused.
 */
export async function detailedCameraClip(
  width = 1280,
  height = 720,
  fps = 30,
  frames = 60,
): Promise<string> {
  const path = join(tmpdir(), `finserve-camera-${width}x${height}-${fps}-${frames}.y4m`);
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
  const textureWidth = width + frames * 6;
  const texture = Buffer.alloc(textureWidth * height);
  for (let i = 0; i < texture.length; i++) texture[i] = 40 + (random() % 176);
  // Smooth the texture a little (blocks of 4x4 share most of their value): detail an encoder
  // can code, not pure white noise.
  for (let y = 0; y < height; y++)
    for (let x = 0; x < textureWidth; x++) {
      const block = texture[(y & ~3) * textureWidth + (x & ~3)];
      texture[y * textureWidth + x] = (block * 3 + texture[y * textureWidth + x]) >> 2;
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2));
  const band = Math.max(16, Math.round(height / 12));
  for (let f = 0; f < frames; f++) {
    const luma = Buffer.alloc(width * height);
    const shift = f * 6;
    for (let y = 0; y < height; y++)
      texture.copy(luma, y * width, y * textureWidth + shift, y * textureWidth + shift + width);
    const bandTop = Math.floor((f / frames) * (height - band));
    for (let y = bandTop; y < bandTop + band; y++)
      for (let x = 0; x < width; x++) luma[y * width + x] = 16 + (random() % 220);
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

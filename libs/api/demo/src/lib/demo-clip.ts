import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input, type InputTrack } from 'mediabunny';

/** One encoded frame of the clip: a VP8 frame or a 20 ms Opus packet, at its time in the clip. */
export interface ClipFrame {
  timeMs: number;
  data: Buffer;
  key: boolean;
}

/** The demo clip, demuxed once into memory (~0.5 MB), and the stills for the stream's card. */
export interface DemoClip {
  /** One loop: the video's length (audio past it is dropped, so both loop together). */
  durationMs: number;
  video: ClipFrame[];
  audio: ClipFrame[];
  stills: Buffer[];
}

const CLIP_FILE = 'clip.webm';
/**
 * The clip's Opus packets are 20 ms each (make-clip.sh: -frame_duration 20). Their container times
 * are off the grid by Opus' pre-skip (the first lasts 21 ms): snapped to it, the RTP timestamps
 * advance by exactly 960 per packet, across loops too.
 */
const OPUS_FRAME_MS = 20;

/**
 * Where the clip is: beside the API bundle (dist/apps/api/assets/demo, copied by the build, so
 * `npm start` and the Docker image's dist/ both have it), else in this library's sources (tests
 * and tools that run the TypeScript).
 */
export function demoAssetsDirectory(): string {
  const candidates = [join(__dirname, 'assets', 'demo'), join(__dirname, '..', '..', 'assets')];
  const found = candidates.find((directory) => existsSync(join(directory, CLIP_FILE)));
  if (!found) throw new Error(`demo clip ${CLIP_FILE} not found in ${candidates.join(' or ')}`);
  return found;
}

/** A track's frames, timed from its first one, up to `untilMs`; and where the last one ends. */
async function frames(
  track: InputTrack,
  untilMs = Infinity,
  gridMs = 1,
): Promise<{ frames: ClipFrame[]; endMs: number }> {
  const result: ClipFrame[] = [];
  let first: number | undefined;
  let endMs = 0;
  for await (const packet of new EncodedPacketSink(track).packets()) {
    first ??= packet.timestamp;
    const timeMs = Math.round(((packet.timestamp - first) * 1000) / gridMs) * gridMs;
    if (timeMs >= untilMs) break;
    result.push({ timeMs, data: Buffer.from(packet.data), key: packet.type === 'key' });
    endMs = Math.round((packet.timestamp + packet.duration - first) * 1000);
  }
  return { frames: result, endMs };
}

/** Demuxes the WebM clip (VP8 + Opus) with mediabunny; refuses a clip that cannot loop cleanly. */
export async function loadDemoClip(directory = demoAssetsDirectory()): Promise<DemoClip> {
  const input = new Input({
    source: new BufferSource(await readFile(join(directory, CLIP_FILE))),
    formats: ALL_FORMATS,
  });
  try {
    const videoTrack = await input.getPrimaryVideoTrack();
    const audioTrack = await input.getPrimaryAudioTrack();
    if (videoTrack?.codec !== 'vp8' || audioTrack?.codec !== 'opus')
      throw new Error(`the demo clip must be VP8 + Opus (${CLIP_FILE})`);
    const { frames: video, endMs: durationMs } = await frames(videoTrack);
    if (!video[0]?.key) throw new Error('the demo clip must start with a keyframe');
    const { frames: audio } = await frames(audioTrack, durationMs, OPUS_FRAME_MS);
    const stills = await Promise.all(
      (await readdir(directory))
        .filter((name) => /^thumbnail-\d+\.jpg$/.test(name))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .map((name) => readFile(join(directory, name))),
    );
    return { durationMs, video, audio, stills };
  } finally {
    input.dispose();
  }
}

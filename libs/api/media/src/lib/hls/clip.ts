import { stat } from 'node:fs/promises';

import {
  ALL_FORMATS,
  Conversion,
  FilePathSource,
  FilePathTarget,
  Input,
  Mp4OutputFormat,
  Output,
  WebMOutputFormat,
} from 'mediabunny';

import type { HlsSegment } from './ll-hls';

export interface ClipFile {
  path: string;
  durationSeconds: number;
  sizeBytes: number;
}

/**
 * A clip cut without re-encoding: the media of `inputPath` (the stream's CMAF segments laid end to
 * end, or its recording) copied into a finished MP4 (H.264) or WebM (VP8) with its index first.
 * With `trim`, the cut starts at the keyframe at or before `trim.start` (media is never re-encoded,
 * so a clip can only start on a keyframe).
 */
export async function cutClip(
  inputPath: string,
  outputPath: string,
  format: 'mp4' | 'webm',
  trim?: { start: number; end: number },
): Promise<ClipFile> {
  const input = new Input({ source: new FilePathSource(inputPath), formats: ALL_FORMATS });
  try {
    const output = new Output({
      format:
        format === 'mp4' ? new Mp4OutputFormat({ fastStart: 'in-memory' }) : new WebMOutputFormat(),
      target: new FilePathTarget(outputPath),
    });
    const conversion = await Conversion.init({
      input,
      output,
      ...(trim ? { trim } : {}),
      copy: { mode: 'forced', boundaryPolicy: 'expand' },
    });
    if (!conversion.isValid)
      throw new Error(
        `the clip cannot be cut without re-encoding (${conversion.discardedTracks.map((t) => t.reason).join(', ')})`,
      );
    await conversion.execute();
  } finally {
    input.dispose();
  }
  const check = new Input({ source: new FilePathSource(outputPath), formats: ALL_FORMATS });
  try {
    const durationSeconds = await check.computeDuration();
    return { path: outputPath, durationSeconds, sizeBytes: (await stat(outputPath)).size };
  } finally {
    check.dispose();
  }
}

/**
 * The complete segments whose total duration is closest to `durationS`, ending with the latest
 * one (a clip of "the last N seconds" ends at the live edge's last complete segment and starts on
 * a segment's first keyframe). Empty when there are none.
 */
export function lastSegments(segments: readonly HlsSegment[], durationS: number): HlsSegment[] {
  const complete = segments.filter((s) => s.complete);
  const chosen: HlsSegment[] = [];
  let total = 0;
  for (let i = complete.length - 1; i >= 0; i--) {
    const next = complete[i];
    if (
      chosen.length > 0 &&
      Math.abs(total + next.duration - durationS) >= Math.abs(total - durationS)
    )
      break;
    chosen.unshift(next);
    total += next.duration;
  }
  return chosen;
}

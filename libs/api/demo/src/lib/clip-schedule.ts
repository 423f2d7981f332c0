import type { ClipFrame, DemoClip } from './demo-clip';

export type ClipKind = 'video' | 'audio';

/** How far behind the clock a track may fall (event loop stalled) before it skips, not bursts. */
export const MAX_LAG_MS = 500;

interface Cursor {
  readonly frames: readonly ClipFrame[];
  /** The next frame to send. */
  index: number;
  /** Play time of a frame = its time in the clip + this (grows by one loop at each wrap). */
  offsetMs: number;
}

/**
 * When each frame of the looping clip is due, in play time: milliseconds since the publisher
 * started, continuous across loops, skips and stalls (so RTP timestamps derived from it only ever
 * advance). Video and audio share the clip's loop length, so they stay in sync loop after loop;
 * each loop starts on the clip's first frame, a keyframe. Pure: the caller brings the clock.
 */
export class ClipSchedule {
  private readonly cursors: Record<ClipKind, Cursor>;

  constructor(
    private readonly clip: Pick<DemoClip, 'durationMs' | 'video' | 'audio'>,
    startMs = 0,
  ) {
    if (clip.video.length === 0 || clip.durationMs <= 0) throw new Error('empty clip');
    this.cursors = {
      video: { frames: clip.video, index: 0, offsetMs: startMs },
      audio: { frames: clip.audio, index: 0, offsetMs: startMs },
    };
  }

  /** Hands every frame due by `nowMs` to `emit`, each track in order, with its play time. */
  due(nowMs: number, emit: (kind: ClipKind, frame: ClipFrame, playMs: number) => void): void {
    for (const kind of ['video', 'audio'] as const) {
      const cursor = this.cursors[kind];
      if (cursor.frames.length === 0) continue;
      const lag = nowMs - this.playTime(cursor);
      if (lag > MAX_LAG_MS) cursor.offsetMs += lag; // a pause in play time, not a burst
      for (let playMs = this.playTime(cursor); playMs <= nowMs; playMs = this.playTime(cursor)) {
        emit(kind, cursor.frames[cursor.index], playMs);
        this.advance(cursor);
      }
    }
  }

  /**
   * Answers a keyframe request as well as a pre-encoded clip can: the clip jumps ahead to its next
   * keyframe, which becomes the next video frame (audio jumps by as much, to stay in sync).
   * Returns how many milliseconds of the clip were skipped (0: the next frame is a keyframe).
   */
  skipToKeyframe(): number {
    const video = this.cursors.video;
    if (video.frames[video.index].key) return 0;
    const resumeAt = this.playTime(video);
    let next = video.frames.findIndex((frame, i) => i > video.index && frame.key);
    // None left in this loop: the next one is the clip's first frame, in the next loop.
    const skipped =
      (next === -1 ? this.clip.durationMs : video.frames[next].timeMs) -
      (resumeAt - video.offsetMs);
    if (next === -1) {
      next = 0;
      video.offsetMs += this.clip.durationMs;
    }
    video.index = next;
    video.offsetMs -= skipped;

    const audio = this.cursors.audio;
    if (audio.frames.length > 0) {
      const audioResumeAt = this.playTime(audio);
      audio.offsetMs -= skipped;
      while (this.playTime(audio) < audioResumeAt) this.advance(audio);
    }
    return skipped;
  }

  private playTime(cursor: Cursor): number {
    return cursor.frames[cursor.index].timeMs + cursor.offsetMs;
  }

  private advance(cursor: Cursor): void {
    cursor.index++;
    if (cursor.index === cursor.frames.length) {
      cursor.index = 0;
      cursor.offsetMs += this.clip.durationMs;
    }
  }
}

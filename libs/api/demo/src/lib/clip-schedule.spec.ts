import { ClipSchedule, MAX_LAG_MS, type ClipKind } from './clip-schedule';
import type { ClipFrame } from './demo-clip';

// A 200 ms clip: video every 40 ms with keyframes at 0 and 120 ms, audio every 20 ms.
const frame = (timeMs: number, key = false): ClipFrame => ({
  timeMs,
  key,
  data: Buffer.from([timeMs]),
});
const clip = {
  durationMs: 200,
  video: [0, 40, 80, 120, 160].map((t) => frame(t, t === 0 || t === 120)),
  audio: Array.from({ length: 10 }, (_, i) => frame(i * 20, true)),
};

function run(schedule: ClipSchedule, nowMs: number) {
  const out: Record<ClipKind, { clipMs: number; playMs: number; key: boolean }[]> = {
    video: [],
    audio: [],
  };
  schedule.due(nowMs, (kind, { timeMs, key }, playMs) =>
    out[kind].push({ clipMs: timeMs, playMs, key }),
  );
  return out;
}

describe('ClipSchedule (pacing of the looping demo clip)', () => {
  it('sends each frame when its time comes, never early', () => {
    const schedule = new ClipSchedule(clip, 1000);
    expect(run(schedule, 999).video).toEqual([]);
    expect(run(schedule, 1000).video).toEqual([{ clipMs: 0, playMs: 1000, key: true }]);
    const at1079 = run(schedule, 1079);
    expect(at1079.video.map((f) => f.clipMs)).toEqual([40]);
    expect(at1079.audio.map((f) => f.clipMs)).toEqual([20, 40, 60]);
    expect(run(schedule, 1080).audio.map((f) => f.clipMs)).toEqual([80]);
  });

  it('loops with play time continuing (no reset) and each loop starting on the keyframe', () => {
    const schedule = new ClipSchedule(clip);
    const { video, audio } = run(schedule, 439);
    expect(video.map((f) => f.playMs)).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400]);
    expect(video[5]).toEqual({ clipMs: 0, playMs: 200, key: true });
    expect(video[10]).toEqual({ clipMs: 0, playMs: 400, key: true });
    expect(audio).toHaveLength(22);
    expect(audio.every((f, i) => f.playMs === i * 20)).toBe(true);
  });

  it('answers a keyframe request by jumping to the next keyframe, play time continuous, audio along', () => {
    const schedule = new ClipSchedule(clip);
    run(schedule, 40); // video 0 and 40 sent; next is 80 (delta)
    expect(schedule.skipToKeyframe()).toBe(40);
    const { video, audio } = run(schedule, 120);
    expect(video).toEqual([
      { clipMs: 120, playMs: 80, key: true },
      { clipMs: 160, playMs: 120, key: false },
    ]);
    // Audio skipped the same 40 ms of clip: 60 -> 100, at the same play times.
    expect(audio.map((f) => [f.clipMs, f.playMs])).toEqual([
      [100, 60],
      [120, 80],
      [140, 100],
      [160, 120],
    ]);
  });

  it('jumps into the next loop when no keyframe is left in this one, and skips nothing on a keyframe', () => {
    const schedule = new ClipSchedule(clip);
    run(schedule, 120); // next video frame: 160 (delta, after the last keyframe)
    expect(schedule.skipToKeyframe()).toBe(40);
    expect(schedule.skipToKeyframe()).toBe(0); // already at a keyframe: nothing more to skip
    const { video } = run(schedule, 160);
    expect(video).toEqual([{ clipMs: 0, playMs: 160, key: true }]);
    expect(run(schedule, 199).video).toEqual([]);
    expect(run(schedule, 200).video).toEqual([{ clipMs: 40, playMs: 200, key: false }]);
  });

  it('after a stall pauses (play time jumps) instead of sending a burst', () => {
    const schedule = new ClipSchedule(clip);
    run(schedule, 0);
    const late = run(schedule, 40 + MAX_LAG_MS + 1000);
    expect(late.video).toEqual([{ clipMs: 40, playMs: 40 + MAX_LAG_MS + 1000, key: false }]);
    expect(late.audio).toHaveLength(1);
  });
});

import { videoHealth } from './rtc-stats';

describe('videoHealth', () => {
  it('computes kbps and fps between two readings', () => {
    expect(
      videoHealth({ at: 1000, bytes: 0, frames: 0 }, { at: 3000, bytes: 250_000, frames: 60 }),
    ).toEqual({ bitrateKbps: 1000, fps: 30 });
  });

  it('reports zero without an earlier reading or when the counters reset', () => {
    expect(videoHealth(undefined, { at: 1, bytes: 10, frames: 1 })).toEqual({
      bitrateKbps: 0,
      fps: 0,
    });
    expect(
      videoHealth({ at: 0, bytes: 5000, frames: 50 }, { at: 1000, bytes: 0, frames: 0 }),
    ).toEqual({ bitrateKbps: 0, fps: 0 });
  });
});

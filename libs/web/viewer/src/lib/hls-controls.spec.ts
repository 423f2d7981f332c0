import {
  behindLive,
  bufferAhead,
  formatBehind,
  isBehindLive,
  seekTarget,
  type HlsReading,
} from './hls-controls';

const reading = (current: number, live = 100, start = 10): HlsReading => ({
  start,
  end: live + 2,
  live,
  current,
  level: null,
  bufferSeconds: 0,
  latencySeconds: 0,
  droppedFrames: 0,
  totalFrames: 0,
});

const ranges = (...pairs: [number, number][]) => ({
  length: pairs.length,
  start: (i: number) => pairs[i][0],
  end: (i: number) => pairs[i][1],
});

describe('the HLS live rewind', () => {
  it('offers Back to live only beyond a few seconds behind (LL-HLS drifts around the sync point)', () => {
    expect(isBehindLive(reading(99))).toBe(false);
    expect(isBehindLive(reading(96.5))).toBe(false);
    expect(isBehindLive(reading(95))).toBe(true);
    expect(behindLive(reading(40))).toBe(60);
    // Ahead of the sync point (just after a jump to live) is not behind.
    expect(behindLive(reading(101))).toBe(0);
  });

  it('keeps a seek within the DVR window (a little inside its start), up to live', () => {
    expect(seekTarget(50, reading(90))).toBe(50);
    expect(seekTarget(0, reading(90))).toBe(13);
    expect(seekTarget(0, reading(1, 11, 10))).toBe(11);
    expect(seekTarget(500, reading(90))).toBe(100);
    expect(seekTarget(Number.NaN, reading(90))).toBe(100);
  });

  it('labels how far behind live as -m:ss or -h:mm:ss', () => {
    expect(formatBehind(65.4)).toBe('-1:05');
    expect(formatBehind(0)).toBe('-0:00');
    expect(formatBehind(3725)).toBe('-1:02:05');
  });

  it('measures the buffer ahead of the position in the range holding it', () => {
    expect(bufferAhead(ranges([0, 10], [20, 35]), 25)).toBe(10);
    expect(bufferAhead(ranges([0, 10]), 9.95)).toBeCloseTo(0.05);
    expect(bufferAhead(ranges([20, 35]), 19.95)).toBeCloseTo(15.05);
    expect(bufferAhead(ranges([0, 10]), 15)).toBe(0);
    expect(bufferAhead(ranges(), 1)).toBe(0);
  });
});

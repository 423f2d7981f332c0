import { streamDurationSeconds, StreamStatus } from './stream-status';

describe('streamDurationSeconds', () => {
  const startedAt = new Date('2026-01-01T10:00:00Z');
  const now = new Date('2026-01-01T10:05:30.900Z');

  it('is 0 before start, runs up to now while LIVE, and is fixed once ENDED', () => {
    expect(
      streamDurationSeconds(
        { status: StreamStatus.SCHEDULED, startedAt: null, endedAt: null },
        now,
      ),
    ).toBe(0);
    expect(
      streamDurationSeconds({ status: StreamStatus.LIVE, startedAt, endedAt: null }, now),
    ).toBe(330);
    const endedAt = new Date('2026-01-01T10:01:40Z');
    expect(streamDurationSeconds({ status: StreamStatus.ENDED, startedAt, endedAt }, now)).toBe(
      100,
    );
  });
});

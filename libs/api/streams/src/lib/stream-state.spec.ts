import { ConflictError } from '@finserve/api/core';
import { StreamStatus } from '@finserve/shared';

import { nextStatus } from './stream-state';

describe('stream lifecycle', () => {
  it('allows exactly SCHEDULED -> LIVE (start) and LIVE -> ENDED (end)', () => {
    expect(nextStatus(StreamStatus.SCHEDULED, 'start')).toBe(StreamStatus.LIVE);
    expect(nextStatus(StreamStatus.LIVE, 'end')).toBe(StreamStatus.ENDED);
  });

  it.each([
    [StreamStatus.LIVE, 'start'],
    [StreamStatus.ENDED, 'start'],
    [StreamStatus.SCHEDULED, 'end'],
    [StreamStatus.ENDED, 'end'],
  ] as const)('refuses %s -> %s with CONFLICT', (status, action) => {
    expect(() => nextStatus(status, action)).toThrow(ConflictError);
  });
});

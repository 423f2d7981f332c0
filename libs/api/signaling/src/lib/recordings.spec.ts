import { RecordingStatus, toModel } from './recordings';
import type { RecordingRecord } from './recordings.repository';

const row = (sizeBytes: string): RecordingRecord => ({
  id: '6f1c1b3e-0d7c-4c8e-9a53-1f7b3c2d4e5f',
  streamId: '0b3d7e2a-5c4f-4a1b-8e9d-2c6f7a8b9c0d',
  status: RecordingStatus.READY,
  durationSeconds: 7200,
  sizeBytes,
  path: '/data/recordings/x.webm',
  createdAt: new Date(0),
});

describe('Recording sizes', () => {
  it('gives the exact size as a string and sizeBytes as is while it fits a GraphQL Int', () => {
    const model = toModel(row('1048576'));
    expect(model.sizeBytes).toBe(1_048_576);
    expect(model.sizeBytesExact).toBe('1048576');
  });

  it('caps sizeBytes at 2147483647 past 2 GiB (a GraphQL Int would fail) and keeps the exact size', () => {
    const model = toModel(row('5368709120')); // 5 GiB: two hours at about 6 Mbps
    expect(model.sizeBytes).toBe(2_147_483_647);
    expect(model.sizeBytesExact).toBe('5368709120');
  });
});

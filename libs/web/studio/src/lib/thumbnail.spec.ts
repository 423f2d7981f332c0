import { THUMBNAIL_PERIOD_MS, thumbnailDue } from './thumbnail';

describe('thumbnailDue', () => {
  it('takes a frame until the server has taken one, then once per period', () => {
    expect(thumbnailDue(null, 0)).toBe(true);
    expect(thumbnailDue(null, 5_000)).toBe(true);
    expect(thumbnailDue(1_000, 1_000 + THUMBNAIL_PERIOD_MS - 1)).toBe(false);
    expect(thumbnailDue(1_000, 1_000 + THUMBNAIL_PERIOD_MS)).toBe(true);
  });
});

import { formatMoney, platformFeeCents } from './money';

describe('platformFeeCents', () => {
  it.each([
    [1000, 500, 50], // $10.00 -> 50
    [990, 500, 50], // $9.90 -> 49.5 -> 50 (half up)
    [1010, 500, 51], // $10.10 -> 50.5 -> 51
    [1009, 500, 50], // 50.45 -> 50
    [100, 500, 5],
    [100000, 500, 5000],
    [1, 500, 0], // 0.05 -> 0
    [10, 500, 1], // 0.5 -> 1
    [1234, 0, 0],
    [1234, 10000, 1234],
    [333, 250, 8], // 8.325 -> 8
  ])('fee of %i cents at %i bps is %i', (amount, bps, fee) => {
    expect(platformFeeCents(amount, bps)).toBe(fee);
  });

  it('refuses non-integer or negative amounts and out-of-range rates', () => {
    expect(() => platformFeeCents(1.5, 500)).toThrow(RangeError);
    expect(() => platformFeeCents(-1, 500)).toThrow(RangeError);
    expect(() => platformFeeCents(100, 10001)).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('formats cents in the currency', () => {
    expect(formatMoney(1050, 'USD')).toBe('$10.50');
  });
});

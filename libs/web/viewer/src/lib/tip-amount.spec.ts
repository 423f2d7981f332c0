import { parseTipAmount } from './tip-amount';

describe('parseTipAmount', () => {
  it('reads dollars and cents as integer cents', () => {
    expect(parseTipAmount('12')).toEqual({ cents: 1200 });
    expect(parseTipAmount('12.5')).toEqual({ cents: 1250 });
    expect(parseTipAmount(' $1,234.56 ')).toEqual({ cents: 123456 });
  });

  it('reads the French way of writing amounts (decimal comma, spaces between thousands)', () => {
    expect(parseTipAmount('12,5')).toEqual({ cents: 1250 });
    expect(parseTipAmount('12,50 $')).toEqual({ cents: 1250 });
    expect(parseTipAmount('1 234,56')).toEqual({ cents: 123456 });
  });

  it('refuses what is not an amount, with a reason', () => {
    for (const raw of ['', 'ten', '1.234', '-5', '1e3', '1,2,3']) {
      expect(parseTipAmount(raw)).toEqual({ error: 'FORMAT' });
    }
  });

  it('enforces the smallest and the largest tip', () => {
    expect(parseTipAmount('0.99')).toEqual({ error: 'TOO_SMALL' });
    expect(parseTipAmount('10000.01')).toEqual({ error: 'TOO_LARGE' });
    expect(parseTipAmount('10000')).toEqual({ cents: 1_000_000 });
  });
});

import { parseTipAmount } from './tip-amount';

describe('parseTipAmount', () => {
  it('reads dollars and cents as integer cents', () => {
    expect(parseTipAmount('12')).toEqual({ cents: 1200 });
    expect(parseTipAmount('12.5')).toEqual({ cents: 1250 });
    expect(parseTipAmount(' $1,234.56 ')).toEqual({ cents: 123456 });
  });

  it('refuses what is not an amount, with a message', () => {
    for (const raw of ['', 'ten', '1.234', '-5', '1e3']) {
      expect(parseTipAmount(raw)).toEqual({ error: 'Enter an amount like 12 or 12.50' });
    }
  });

  it('enforces the smallest and the largest tip', () => {
    expect(parseTipAmount('0.99')).toEqual({ error: 'The smallest tip is $1.00' });
    expect(parseTipAmount('10000.01')).toEqual({ error: 'The largest tip is $10,000.00' });
    expect(parseTipAmount('10000')).toEqual({ cents: 1_000_000 });
  });
});

import { withTip, type ReceivedTip } from './studio-figures.store';

const tip = (id: string): ReceivedTip => ({
  id,
  amountCents: 1_00,
  netCents: 95,
  platformFeeCents: 5,
  currency: 'USD',
  message: null,
  createdAt: '2026-01-01T00:00:00Z',
  from: { id: 'u2', username: 'bob', displayName: 'Bob' },
});

describe('withTip', () => {
  it('puts a new tip first', () => {
    expect(withTip([tip('1')], tip('2'))?.map((t) => t.id)).toEqual(['2', '1']);
  });

  it('takes a tip it already has (delivered twice) as nothing new', () => {
    expect(withTip([tip('2'), tip('1')], tip('1'))).toBeNull();
  });

  it('keeps the newest 50', () => {
    const list = Array.from({ length: 50 }, (_, i) => tip(String(i)));
    const next = withTip(list, tip('new'));
    expect(next).toHaveLength(50);
    expect(next?.[0]?.id).toBe('new');
    expect(next?.at(-1)?.id).toBe('48');
  });
});

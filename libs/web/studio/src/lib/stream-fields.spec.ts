import {
  dateAndTimeOf,
  localDateTime,
  streamFieldsGroup,
  streamFieldsValue,
  tagsOf,
} from './stream-fields';

describe('stream fields', () => {
  it('reads date and time inputs in the browser time zone (TZ=UTC here) and back', () => {
    expect(localDateTime('2031-01-20', '09:15')).toBe('2031-01-20T09:15:00.000Z');
    expect(dateAndTimeOf('2031-01-20T09:15:00.000Z')).toEqual({
      date: '2031-01-20',
      time: '09:15',
    });
    expect(localDateTime('', '09:15')).toBeNull();
    expect(localDateTime('2031-01-20', '')).toBeNull();
    expect(localDateTime('2031-02-31x', '09:15')).toBeNull();
  });

  it('takes comma-separated tags under the API rules, and refuses the rest', () => {
    expect(tagsOf(' EUR-USD, scalping , price action,,')).toEqual([
      'eur-usd',
      'scalping',
      'price-action',
    ]);
    expect(tagsOf('s&p')).toBeNull();
    expect(tagsOf('')).toEqual([]);
  });

  it('validates the group and gives the API input', () => {
    const group = streamFieldsGroup();
    expect(group.valid).toBe(false); // title required
    group.setValue({
      title: '  FOMC  ',
      description: ' ',
      categorySlug: 'macro',
      tags: 'rates, Fed',
    });
    expect(group.valid).toBe(true);
    expect(streamFieldsValue(group)).toEqual({
      title: 'FOMC',
      description: null,
      categorySlug: 'macro',
      tags: ['rates', 'fed'],
    });
    group.controls.tags.setValue('a'.repeat(26));
    expect(group.controls.tags.hasError('tags')).toBe(true);
  });
});

import { MAX_TAGS, normalizeTags, searchWords } from './discovery';

describe('normalizeTags: the tag rules of the contract', () => {
  it('lowercases, trims, joins inner spaces with "-", drops "#" and repeats', () => {
    expect(normalizeTags(['  EUR-USD ', '#Scalping', 'price action', 'eur-usd', ''])).toEqual({
      tags: ['eur-usd', 'scalping', 'price-action'],
    });
  });

  it('refuses a tag with other characters or longer than 25', () => {
    expect(normalizeTags(['s&p500'])).toEqual({ problem: expect.stringContaining('s&p500') });
    expect(normalizeTags(['é'])).toHaveProperty('problem');
    expect(normalizeTags(['a'.repeat(26)])).toHaveProperty('problem');
    expect(normalizeTags(['a'.repeat(25)])).toEqual({ tags: ['a'.repeat(25)] });
  });

  it('refuses more than 10 distinct tags, counting repeats once', () => {
    const ten = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
    expect(normalizeTags([...ten, 't0'])).toEqual({ tags: ten });
    expect(normalizeTags([...ten, 'eleven'])).toEqual({ problem: 'at most 10 tags' });
  });
});

describe('searchWords', () => {
  it('splits on punctuation, keeps letters with accents and digits', () => {
    expect(searchWords('EUR/USD  London')).toEqual(['eur', 'usd', 'london']);
    expect(searchWords('Énergie : le pétrole')).toEqual(['énergie', 'le', 'pétrole']);
    expect(searchWords(' /// ')).toEqual([]);
  });
});

import { userTextProblem } from './text';

describe('userTextProblem: the one rule for stored user text', () => {
  it.each([
    ['ESC', 'red \u001b[31m'],
    ['BEL', 'ding\u0007'],
    ['NUL', 'a\u0000b'],
    ['CR', 'a\rb'],
    ['TAB', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['C1 (NEL)', 'a\u0085b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses %s in any text', (_name, text) => {
    expect(userTextProblem(text)).toBeDefined();
    expect(userTextProblem(text, { multiline: true })).toBeDefined();
  });

  it('allows newline only in multi-line texts, and any printable Unicode in both', () => {
    expect(userTextProblem('two\nlines')).toBe('must not contain control characters');
    expect(userTextProblem('two\nlines', { multiline: true })).toBeUndefined();
    expect(userTextProblem('Café 📈 <b>bold</b> ‮')).toBeUndefined();
  });
});

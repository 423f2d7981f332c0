import { bracketNesting } from './operation-limits';

describe('bracketNesting', () => {
  it('counts the deepest nesting of {, [ and ( outside strings, block strings and comments', () => {
    expect(bracketNesting('{ a { b(c: [1, [2]]) } }')).toBe(5);
    expect(bracketNesting('{ a(s: "{{{{[[[[") }')).toBe(2);
    expect(bracketNesting('{ a(s: """ {{{{ \n [[[ """) }')).toBe(2);
    expect(bracketNesting('# {{{{{{\n{ a }')).toBe(1);
    expect(bracketNesting('{ a(s: "esc \\" {{{{") }')).toBe(2);
  });

  it('stops counting once past the bound', () => {
    expect(bracketNesting('['.repeat(100_000), 64)).toBe(65);
  });
});

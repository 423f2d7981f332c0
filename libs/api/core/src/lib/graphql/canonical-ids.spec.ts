import { buildSchema, graphql } from 'graphql';

import { DomainError } from '../errors/domain-error';
import { canonicalId, canonicalizeIdArguments } from './canonical-ids';

describe('canonicalId', () => {
  it('lower-cases a UUID, keeps a numeric id, refuses anything else with BAD_USER_INPUT', () => {
    const id = '1B4E28BA-2FA1-11D2-883F-0016D3CCA427';
    expect(canonicalId(id, 'id')).toBe(id.toLowerCase());
    expect(canonicalId('42', 'after')).toBe('42');
    expect(canonicalId(42, 'after')).toBe('42');
    for (const bad of ['', ' 42', '042', '-1', '1e3', `${id} `, id.replace(/-/g, ''), `{${id}}`])
      expect(() => canonicalId(bad, 'id')).toThrow(DomainError);
  });
});

describe('canonicalizeIdArguments', () => {
  it('canonicalizes ID arguments, in lists and input objects, before the resolver runs', async () => {
    const built = buildSchema(`
      input Ref { userId: ID!, note: String, more: [ID!] }
      type Query { echo(id: ID!, ids: [ID!], ref: Ref, text: String): String }
    `);
    const echo = built.getQueryType()?.getFields()['echo'];
    if (echo) echo.resolve = (_source, args) => JSON.stringify(args);
    const schema = canonicalizeIdArguments(built);
    const upper = 'ABCDEF00-0000-4000-8000-00000000000A';
    const result = await graphql({
      schema,
      source: `{ echo(id: "${upper}", ids: ["${upper}", "7"], ref: { userId: "${upper}", note: "${upper}", more: ["${upper}"] }, text: "${upper}") }`,
    });
    expect(result.errors).toBeUndefined();
    const lower = upper.toLowerCase();
    expect(JSON.parse(result.data?.['echo'] as string)).toEqual({
      id: lower,
      ids: [lower, '7'],
      ref: { userId: lower, note: upper, more: [lower] },
      text: upper,
    });
  });
});

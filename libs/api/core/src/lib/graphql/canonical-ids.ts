import {
  GraphQLID,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

import { BadUserInputError } from '../errors/domain-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A bigserial id (chat messages): no sign, no leading zero, at most 18 digits. */
const NUMERIC_ID = /^[1-9]\d{0,17}$/;

/**
 * The one spelling of an id: a UUID in lower case, a numeric id as its digits. Anything else is
 * not an id of this API. Ids are compared as text everywhere (SQL, maps, ownership checks), so
 * `ABC…` and `abc…` must never both reach a service.
 */
export function canonicalId(value: unknown, name: string): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text === 'string') {
    if (UUID.test(text)) return text.toLowerCase();
    if (NUMERIC_ID.test(text)) return text;
  }
  throw new BadUserInputError(`${name} must be an id`);
}

type Canonicalize = (value: unknown, name: string) => unknown;

/** How to canonicalize a value of this input type, or undefined when it holds no ID. */
function canonicalizerFor(
  type: GraphQLInputType,
  seen = new Map<GraphQLInputObjectType, Canonicalize | undefined>(),
): Canonicalize | undefined {
  if (isNonNullType(type)) return canonicalizerFor(type.ofType, seen);
  if (isListType(type)) {
    const item = canonicalizerFor(type.ofType, seen);
    if (!item) return undefined;
    return (value, name) =>
      Array.isArray(value) ? value.map((v: unknown) => (v == null ? v : item(v, name))) : value;
  }
  if (type === GraphQLID) return canonicalId;
  if (!isInputObjectType(type)) return undefined;
  if (seen.has(type)) return seen.get(type);
  seen.set(type, undefined); // recursive input types: no ID through the cycle
  const fields = Object.values(type.getFields())
    .map((field) => ({ name: field.name, fix: canonicalizerFor(field.type, seen) }))
    .filter((f): f is { name: string; fix: Canonicalize } => f.fix !== undefined);
  const fix: Canonicalize | undefined = fields.length
    ? (value) => {
        if (value === null || typeof value !== 'object') return value;
        const copy = { ...(value as Record<string, unknown>) };
        for (const { name, fix: f } of fields)
          if (copy[name] != null) copy[name] = f(copy[name], name);
        return copy;
      }
    : undefined;
  seen.set(type, fix);
  return fix;
}

function argsCanonicalizer(
  args: readonly GraphQLArgument[],
): ((args: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const fixes = args
    .map((arg) => ({ name: arg.name, fix: canonicalizerFor(arg.type) }))
    .filter((f): f is { name: string; fix: Canonicalize } => f.fix !== undefined);
  if (!fixes.length) return undefined;
  return (values) => {
    const copy = { ...values };
    for (const { name, fix } of fixes) if (copy[name] != null) copy[name] = fix(copy[name], name);
    return copy;
  };
}

/**
 * transformSchema: every argument of type ID (also in lists and input objects, at any depth) is
 * canonicalized before its resolver (or subscribe) runs, so no resolver, pipe or service ever sees
 * an upper-case UUID or something that is not an id (refused with BAD_USER_INPUT). Per-argument
 * pipes (UuidPipe, IsUUID) still narrow an ID to the kind that argument takes.
 */
export function canonicalizeIdArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const fix = argsCanonicalizer(field.args);
      if (!fix) continue;
      const wrap = (
        inner: GraphQLFieldResolver<unknown, unknown> | undefined,
      ): GraphQLFieldResolver<unknown, unknown> | undefined =>
        inner &&
        ((source, args, context, info) =>
          inner(source, fix(args as Record<string, unknown>), context, info));
      field.resolve = wrap(field.resolve);
      field.subscribe = wrap(field.subscribe);
    }
  }
  return schema;
}

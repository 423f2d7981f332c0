import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getNullableType,
  GraphQLError,
  isIntrospectionType,
  isListType,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

import type { AppConfig } from '@finserve/api/core';
import { ErrorCode } from '@finserve/shared';

/** What a list field without a `limit` argument is assumed to hold, for the cost. */
export const ASSUMED_LIST_SIZE = 10;

type Limits = Pick<
  AppConfig,
  | 'GRAPHQL_MAX_DEPTH'
  | 'GRAPHQL_MAX_COMPLEXITY'
  | 'GRAPHQL_MAX_ALIASES'
  | 'GRAPHQL_MAX_ROOT_FIELDS'
  | 'GRAPHQL_MAX_DOCUMENT_BYTES'
>;

/** Deepest bracket nesting ({, [, () a document may have: the parser recurses on each level. */
export const MAX_DOCUMENT_NESTING = 64;

/** Deepest nesting of brackets outside strings and comments; stops counting past `stopAt`. */
export function bracketNesting(source: string, stopAt = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length && deepest <= stopAt; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        i++;
        while (i < source.length && source[i] !== '"' && source[i] !== '\n')
          i += source[i] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === '}' || c === ']' || c === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

/** A refusal of the request as a whole: BAD_USER_INPUT, HTTP 400. */
export function operationRefused(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
  });
}

/**
 * Cost of a field: 1, plus its selection; a list field's selection counts once per item, the
 * item count being its `limit` argument (with its default), else ASSUMED_LIST_SIZE.
 */
export const listWeightedEstimator: ComplexityEstimator = ({
  type,
  field,
  args,
  childComplexity,
}) => {
  // Introspection reads the static schema: free, so third parties can always run it.
  if (field.name.startsWith('__') || isIntrospectionType(type)) return 0;
  if (!isListType(getNullableType(field.type))) return 1 + childComplexity;
  const limit: unknown = args['limit'];
  const items = typeof limit === 'number' && limit > 0 ? limit : ASSUMED_LIST_SIZE;
  return 1 + items * Math.max(1, childComplexity);
};

/** Counts the top-level fields of each operation (fragments expanded, introspection excluded). */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (!selection.name.value.startsWith('__')) total++;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          total += count(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) total += count(fragment.selectionSet, seen);
        }
      }
      return total;
    };
    return {
      OperationDefinition(operation) {
        const found = count(operation.selectionSet, new Set());
        if (found > max)
          context.reportError(
            new GraphQLError(`Too many root fields: at most ${max} per operation, found ${found}`, {
              nodes: [operation],
            }),
          );
      },
    };
  };
}

/**
 * The GraphQL limits of issue 9, for HTTP (Apollo) and graphql-ws alike: depth, aliases and root
 * fields as validation rules; document size and cost (which needs the variables) as checks.
 * Every refusal is a BAD_USER_INPUT error with a message naming the limit.
 */
export class OperationLimits {
  constructor(private readonly limits: Limits) {}

  /** Validation rules added to graphql's own. */
  validationRules(): ValidationRule[] {
    // graphql-armor's rules throw by default (which escapes `validate`); report instead.
    const report = (context: ValidationContext | null, error: GraphQLError | undefined) =>
      error &&
      context?.reportError(
        new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes }),
      );
    return [
      maxDepthRule({
        n: this.limits.GRAPHQL_MAX_DEPTH,
        ignoreIntrospection: true,
        flattenFragments: true,
        propagateOnRejection: false,
        onReject: [report],
      }),
      maxAliasesRule({
        n: this.limits.GRAPHQL_MAX_ALIASES,
        propagateOnRejection: false,
        onReject: [report],
      }),
      maxRootFieldsRule(this.limits.GRAPHQL_MAX_ROOT_FIELDS),
    ];
  }

  /** Tokens the parser reads at most (a document within the byte limit never has more). */
  get maxTokens(): number {
    return this.limits.GRAPHQL_MAX_DOCUMENT_BYTES;
  }

  /**
   * Checks the query text before it is parsed: its size, and its bracket nesting (which would
   * otherwise overflow the parser's stack).
   */
  checkSource(query: unknown): GraphQLError | null {
    if (typeof query !== 'string') return null;
    const max = this.limits.GRAPHQL_MAX_DOCUMENT_BYTES;
    const bytes = Buffer.byteLength(query, 'utf8');
    if (bytes > max)
      return operationRefused(`Query document too large: at most ${max} bytes, got ${bytes}`);
    if (bracketNesting(query, MAX_DOCUMENT_NESTING) > MAX_DOCUMENT_NESTING)
      return operationRefused(
        `Query document nested too deeply: at most ${MAX_DOCUMENT_NESTING} levels of brackets`,
      );
    return null;
  }

  /**
   * The operation's cost against GRAPHQL_MAX_COMPLEXITY. Variables that do not coerce are left to
   * execution, which reports them.
   */
  checkComplexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined | null,
  ): GraphQLError | null {
    let cost: number;
    try {
      cost = getComplexity({
        schema,
        query: document,
        variables: variables ?? {},
        operationName: operationName ?? undefined,
        estimators: [listWeightedEstimator],
      });
    } catch {
      return null;
    }
    const max = this.limits.GRAPHQL_MAX_COMPLEXITY;
    return cost > max
      ? operationRefused(
          `Query too complex: cost ${cost} exceeds ${max} (1 per field; list selections count once per item of their limit)`,
        )
      : null;
  }
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

import type { RunningApp } from '../src/bootstrap';
import { startTestApp } from './support/test-app';

const ROOT = join(__dirname, '..', '..', '..');
const COMMITTED_SDL = join(ROOT, 'apps', 'api', 'schema.graphql');
const CONTRACT_SDL = join(ROOT, '..', 'shared', 'contract', 'schema.graphql');
/** A copy of the contract kept in the repository, so the test runs where ../shared is absent. */
const CONTRACT_COPY = join(ROOT, 'apps', 'api', 'contract', 'schema.graphql');

/**
 * Contract types, fields and arguments the server does not implement yet, by the issue that
 * brings them (`Type`, `Type.field` or `Type.field(argument)`). The test fails when one of these
 * appears in the server (remove it here) and when a contract field or argument is missing
 * without being listed.
 */
const PENDING_BY_ISSUE: Record<string, string[]> = {};
const PENDING: string[] = Object.values(PENDING_BY_ISSUE).flat();

function contractSdl(): string {
  if (existsSync(CONTRACT_SDL)) return readFileSync(CONTRACT_SDL, 'utf8');
  return readFileSync(CONTRACT_COPY, 'utf8');
}

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField;

function fieldsOf(type: GraphQLNamedType): Record<string, AnyField> {
  return isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)
    ? type.getFields()
    : {};
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object';
  if (isInterfaceType(type)) return 'interface';
  if (isInputObjectType(type)) return 'input';
  if (isEnumType(type)) return 'enum';
  if (isUnionType(type)) return 'union';
  return 'scalar';
}

/** Every way the server's schema departs from the contract, as readable lines. */
function contractViolations(contract: GraphQLSchema, server: GraphQLSchema): string[] {
  const problems: string[] = [];
  const pending = new Set(PENDING);
  for (const type of Object.values(contract.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    const mine = server.getType(type.name);
    if (!mine) {
      if (!pending.has(type.name)) problems.push(`type ${type.name} is missing`);
      continue;
    }
    if (pending.has(type.name))
      problems.push(`type ${type.name} exists now: remove it from PENDING`);
    if (kindOf(mine) !== kindOf(type))
      problems.push(`type ${type.name} is ${kindOf(mine)}, contract: ${kindOf(type)}`);
    if (isEnumType(type) && isEnumType(mine)) {
      const values = new Set(mine.getValues().map((v) => v.name));
      for (const value of type.getValues()) {
        if (!values.has(value.name)) problems.push(`enum ${type.name} lacks ${value.name}`);
      }
    }
    const myFields = fieldsOf(mine);
    for (const [name, field] of Object.entries(fieldsOf(type))) {
      const key = `${type.name}.${name}`;
      const myField = myFields[name];
      if (!myField) {
        if (!pending.has(key)) problems.push(`${key} is missing`);
        continue;
      }
      if (pending.has(key)) problems.push(`${key} exists now: remove it from PENDING`);
      if (String(myField.type) !== String(field.type)) {
        problems.push(`${key} is ${String(myField.type)}, contract: ${String(field.type)}`);
      }
      if ('args' in field && 'args' in myField) {
        for (const arg of field.args) {
          const myArg = myField.args.find((a) => a.name === arg.name);
          const argKey = `${key}(${arg.name})`;
          if (!myArg) {
            if (!pending.has(argKey)) problems.push(`${argKey} is missing`);
          } else if (pending.has(argKey)) {
            problems.push(`${argKey} exists now: remove it from PENDING`);
          } else if (
            String(myArg.type) !== String(arg.type) ||
            myArg.defaultValue !== arg.defaultValue
          ) {
            problems.push(
              `${key}(${arg.name}: ${String(myArg.type)} = ${String(myArg.defaultValue)}), contract: ${String(arg.type)} = ${String(arg.defaultValue)}`,
            );
          }
        }
        for (const myArg of myField.args) {
          if (
            !field.args.some((a) => a.name === myArg.name) &&
            isNonNullType(myArg.type) &&
            myArg.defaultValue === undefined
          ) {
            problems.push(
              `${key}(${myArg.name}) is an added required argument: it would break contract clients`,
            );
          }
        }
      }
      if (
        isInputObjectType(type) &&
        'defaultValue' in field &&
        'defaultValue' in myField &&
        field.defaultValue !== myField.defaultValue
      ) {
        problems.push(
          `${key} default is ${String(myField.defaultValue)}, contract: ${String(field.defaultValue)}`,
        );
      }
    }
    if (isInputObjectType(type) && isInputObjectType(mine)) {
      for (const [name, myField] of Object.entries(mine.getFields())) {
        if (
          !type.getFields()[name] &&
          isNonNullType(myField.type) &&
          myField.defaultValue === undefined
        ) {
          problems.push(
            `${type.name}.${name} is an added required input field: it would break contract clients`,
          );
        }
      }
    }
  }
  for (const entry of pending) {
    const [, typeName, fieldName, argName] = /^(\w+)(?:\.(\w+)(?:\((\w+)\))?)?$/.exec(entry) ?? [];
    const type = typeName ? contract.getType(typeName) : undefined;
    const field = type && fieldName ? fieldsOf(type)[fieldName] : undefined;
    const known =
      type !== undefined &&
      (fieldName === undefined ||
        (field !== undefined &&
          (argName === undefined ||
            ('args' in field && field.args.some((a) => a.name === argName)))));
    if (!known) problems.push(`PENDING entry ${entry} is not in the contract`);
  }
  return problems;
}

describe('GraphQL schema', () => {
  let running: RunningApp;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    running = await startTestApp();
    schema = running.app.get(GraphQLSchemaHost).schema;
  });
  afterAll(() => running?.close());

  it('matches the committed SDL apps/api/schema.graphql (run `npm run schema:update` after changing resolvers)', () => {
    const generated = printSchema(lexicographicSortSchema(schema)) + '\n';
    if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(COMMITTED_SDL, generated);
    expect(readFileSync(COMMITTED_SDL, 'utf8')).toBe(generated);
  });

  it('keeps the in-repo copy of the contract identical to ../shared/contract/schema.graphql', () => {
    if (!existsSync(CONTRACT_SDL)) return expect(existsSync(CONTRACT_COPY)).toBe(true);
    expect(readFileSync(CONTRACT_COPY, 'utf8')).toBe(readFileSync(CONTRACT_SDL, 'utf8'));
  });

  it('gives every contract type and field the server has the contract shape, and lists what is pending', () => {
    expect(contractViolations(buildSchema(contractSdl()), schema)).toEqual([]);
  });

  it('detects a departure from the contract (the checker itself works)', () => {
    const broken = buildSchema(`
      type User { id: ID! username: String displayName: String! }
      type AuthPayload { accessToken: String! user: User! }
      input RegisterInput { username: String! password: String! displayName: String extra: Int! }
      input LoginInput { username: String! password: String! }
      type Query { me(id: ID!): User }
      type Mutation { register(input: RegisterInput!): AuthPayload! }
    `);
    const problems = contractViolations(buildSchema(contractSdl()), broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        'User.username is String, contract: String!',
        'RegisterInput.extra is an added required input field: it would break contract clients',
        'Query.me(id) is an added required argument: it would break contract clients',
        'Mutation.login is missing',
      ]),
    );
  });
});

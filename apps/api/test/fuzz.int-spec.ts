import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { DataSource } from 'typeorm';

import { verifyLedger } from '@finserve/api/tips';
import { ErrorCode } from '@finserve/shared';

import type { RunningApp } from '../src/bootstrap';
import { gql, liveStream, loginAdmin, registerUser } from './support/graphql-client';
import { ROOT } from './support/process';
import { startTestApp } from './support/test-app';

/**
 * Input fuzzing: for every argument of every query and mutation of the schema (and every field of
 * their input objects), hundreds of hostile values, the other arguments kept valid. Each answer
 * must be a GraphQL error with a contract code (never INTERNAL_SERVER_ERROR, never a 5xx) or a
 * valid result, and no message may leak a stack, SQL or a path. Afterwards the server still
 * answers and the ledger invariants hold.
 */

const schema = buildSchema(readFileSync(join(ROOT, 'apps', 'api', 'schema.graphql'), 'utf8'));
const CONTRACT_CODES = new Set<string>(
  Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
);
/** What only the server could have put in a message (the caller's own value may be echoed). */
const LEAKS =
  /\bat [\w.<>]+ \(|node_modules|\/work\/|\.[jt]s:\d+|QueryFailedError|syntax error at or near|violates .* constraint|duplicate key|relation "|invalid input syntax for|TypeError|ReferenceError|RangeError|Cannot read prop|is not a function|undefined is not/i;

/** JSON text of a value nested `depth` levels deep (built as text: too deep for JSON.stringify). */
function nestedJson(depth: number, asObject: boolean): string {
  return asObject
    ? '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth)
    : '['.repeat(depth) + '"x"' + ']'.repeat(depth);
}

/** Hostile strings: control characters, bidi and zero-width, emoji, injections, sizes. */
const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '   \t  ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(100),
  '\u0007\u0008\u001b[31mred\u001b[0m',
  '\r\n\r\n',
  'line1\nline2',
  '\u2028\u2029',
  '\u202Eevil\u202C',
  '\u200B\u200C\u200D\uFEFF',
  '\u200F\u061C',
  'x\u0301\u0301\u0301\u0301\u0301',
  '🙂',
  '👩‍👩‍👧‍👦'.repeat(40),
  '𝕏𝔂𝔃',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFF\uFFFE',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '"; SELECT pg_sleep(10); --',
  '1; DELETE FROM ledger_entries',
  "1' UNION SELECT password_hash FROM users --",
  '$1',
  '\\',
  '\\x00',
  "E'\\\\'",
  '%s%s%s%n',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  'true',
  '-1',
  '0',
  '1e309',
  '0x7fffffff',
  '9'.repeat(400),
  '-' + '9'.repeat(400),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  randomUUID(),
  randomUUID().toUpperCase(),
  `${randomUUID()}\u0000`,
  ` ${randomUUID()} `,
  `${randomUUID()}' OR '1'='1`,
  '1',
  '9223372036854775808',
  'USD',
  'usd',
  'XXX',
  'EUR\u0000',
  'a'.repeat(33),
  'a'.repeat(501),
  'a'.repeat(2001),
  'x'.repeat(10_000),
  'x'.repeat(100_000),
  'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n',
  'candidate:1 1 udp 1 999.999.999.999 99999 typ host',
  // ICE candidates: garbage, empty, one aimed at a local service, unspecified and broadcast.
  'garbage',
  'candidate:',
  'candidate:1 1 udp 2130706431 127.0.0.1 5432 typ host',
  'candidate:1 1 udp 2130706431 0.0.0.0 9 typ host',
  'candidate:1 1 udp 2130706431 255.255.255.255 9 typ host',
  '0.0.0.0',
  '255.255.255.255',
  // Dates: the ends of JavaScript's range, years PostgreSQL or ISO-8601 cannot hold, odd days.
  '-271821-04-20T00:00:00Z',
  '-271821-04-19T23:59:59.999Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999Z',
  '+010000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01',
  '1e15',
  // Ids: not UUIDs, UUIDs in other spellings, numeric ids out of range.
  '00000000000000000000000000000000',
  `{${randomUUID()}}`,
  `urn:uuid:${randomUUID()}`,
  randomUUID().replace(/-/g, ''),
  '0000000000000000001',
  '01',
  '+1',
  '1.0',
];

const HOSTILE_NUMBERS: number[] = [
  0,
  -1,
  1,
  -0.5,
  0.5,
  1.5,
  99.99,
  -2147483648,
  2147483647,
  2147483648,
  -2147483649,
  4294967296,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  Number.EPSILON,
];

/** Every hostile value (a few hundred) as JSON text: each string and number alone and wrapped. */
function hostileValues(): string[] {
  const values: unknown[] = [
    ...HOSTILE_STRINGS,
    ...HOSTILE_NUMBERS,
    ...HOSTILE_STRINGS.map((s) => [s]),
    ...HOSTILE_STRINGS.slice(0, 40).map((s) => ({ value: s })),
    ...HOSTILE_NUMBERS.map((n) => String(n)),
    ...HOSTILE_NUMBERS.map((n) => [n]),
    true,
    false,
    null,
    [],
    [null],
    [1, 'a', null, {}],
    {},
    { a: 1 },
    { __proto__: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
    { $gt: '' },
    { toString: 'x' },
    Array.from({ length: 10_000 }, (_, i) => `term${i}`),
    Array.from({ length: 1000 }, () => ({})),
    // One megabyte: refused by the body limit before GraphQL, still with a contract code.
    'x'.repeat(1_048_576),
  ];
  return [
    ...values.map((value) => JSON.stringify(value)),
    nestedJson(100, false),
    nestedJson(5000, false),
    nestedJson(100, true),
    nestedJson(5000, true),
    // numbers JSON cannot express, as their closest JSON texts
    '1e400',
    '-1e400',
    '123456789012345678901234567890',
  ];
}

const HOSTILE = hostileValues();

interface Context {
  streamId: string;
  userId: string;
  sessionId: string;
  messageId: string;
}

/** A valid value for an argument (used while another argument is fuzzed). */
function validValue(name: string, type: GraphQLInputType, ctx: Context): unknown {
  if (isNonNullType(type)) return validValue(name, type.ofType, ctx);
  if (isListType(type)) return [validValue(name, type.ofType, ctx)];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || field.name === 'username' || field.name === 'password')
        value[field.name] = validValue(field.name, field.type, ctx);
    }
    return value;
  }
  if (isEnumType(type)) return type.getValues()[0].value as unknown;
  const byName: Record<string, unknown> = {
    streamId: ctx.streamId,
    id: ctx.streamId,
    userId: ctx.userId,
    sessionId: ctx.sessionId,
    messageId: ctx.messageId,
    after: ctx.messageId,
    username: `f_${randomUUID().slice(0, 8)}`,
    password: 'password123',
    displayName: 'Fuzzy',
    title: 'Fuzz stream',
    body: 'hello',
    amountCents: 100,
    currency: 'USD',
    idempotencyKey: randomUUID(),
    reference: randomUUID(),
    sdp: 'v=0',
    candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
    limit: 5,
    offset: 0,
    seconds: 10,
    refreshToken: 'x',
    name: 'Fuzz token',
    scopes: 'chat:write',
    expiresInDays: 30,
    // A loopback URL the fuzz app accepts (WEBHOOK_ALLOW_PRIVATE), so the other fields are reached.
    url: 'http://127.0.0.1:9/fuzz',
    redirectUris: 'https://app.example.com/callback',
  };
  if (name in byName) return byName[name];
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return 1;
      case 'Float':
        return 1.5;
      case 'Boolean':
        return false;
      case 'DateTime':
        return new Date(Date.now() + 3_600_000).toISOString();
      default:
        return 'x';
    }
  }
  return null;
}

/** The GraphQL type of a variable holding the argument. */
const typeString = (type: GraphQLInputType): string => type.toString();

interface Target {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  /** The argument fuzzed, and within an input object, the input field (null: the whole arg). */
  arg: GraphQLArgument;
  inputField: string | null;
}

function targets(): Target[] {
  const list: Target[] = [];
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      for (const arg of field.args) {
        list.push({ operation, field, arg, inputField: null });
        const named = getNamedType(arg.type);
        if (isInputObjectType(named))
          for (const inputField of Object.keys(named.getFields()))
            list.push({ operation, field, arg, inputField });
      }
    }
  }
  return list;
}

function documentOf(target: Target): string {
  const { operation, field } = target;
  const variables = field.args.map((arg) => `$${arg.name}: ${typeString(arg.type)}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${operation} Fuzz(${variables}) { ${field.name}(${args})${selection} }`;
}

/** Admin-only operations are fuzzed as the admin so the input reaches the service. */
const AS_ADMIN = new Set(['creditWallet', 'banUser', 'unbanUser']);
/** Operations that would end the fuzzer's own session or identity run on throwaway users. */
const THROWAWAY = new Set(['logout']);

describe('input fuzzing of every query and mutation argument', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({
      CHAT_RATE_LIMIT_PER_SECOND: '100000',
      TIP_RATE_LIMIT_PER_MINUTE: '100000',
      ADD_FUNDS_RATE_LIMIT_PER_HOUR: '100000',
      PAYOUTS_PER_DAY: '100000',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('answers every hostile value with a contract error or a valid result, leaks nothing, stays up, and keeps the ledger balanced', async () => {
    const admin = await loginAdmin(url);
    const { streamer, streamId } = await liveStream(url, 'Fuzzed');
    const victim = await registerUser(url, 'victim');
    const sent = await gql(
      url,
      'mutation M($s: ID!) { sendChatMessage(streamId: $s, body: "seed") { id } }',
      { s: streamId },
      victim.token,
    );
    const ctx: Context = {
      streamId,
      userId: victim.id,
      sessionId: randomUUID(),
      messageId: sent.data?.['sendChatMessage'].id as string,
    };
    await gql(
      url,
      'mutation C($id: ID!) { creditWallet(input: { userId: $id, amountCents: 100000, reference: "fuzz" }) { balanceCents } }',
      { id: victim.id },
      admin,
    );

    const failures: string[] = [];
    const all = targets();
    let tried = 0;
    const operations = new Set<string>();

    for (const target of all) {
      operations.add(target.field.name);
      const query = documentOf(target);
      const base: Record<string, unknown> = {};
      for (const arg of target.field.args) base[arg.name] = validValue(arg.name, arg.type, ctx);
      const token = AS_ADMIN.has(target.field.name)
        ? admin
        : THROWAWAY.has(target.field.name)
          ? (await registerUser(url, 'bye')).token
          : victim.token;

      const PLACEHOLDER = '"__fuzzed_value__"';
      const variables = { ...base };
      if (target.inputField === null) variables[target.arg.name] = '__fuzzed_value__';
      else
        variables[target.arg.name] = {
          ...(base[target.arg.name] as Record<string, unknown>),
          [target.inputField]: '__fuzzed_value__',
        };
      const template = JSON.stringify({ query, variables });

      const send = async (valueJson: string) => {
        const label = `${target.field.name}(${target.arg.name}${target.inputField ? `.${target.inputField}` : ''}) = ${valueJson.slice(0, 60)}`;
        let response: Response;
        try {
          response = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: template.replace(PLACEHOLDER, () => valueJson),
          });
        } catch (error) {
          failures.push(`${label}: request failed: ${String(error)}`);
          return;
        }
        const text = await response.text();
        if (response.status >= 500)
          failures.push(`${label}: HTTP ${response.status} ${text.slice(0, 200)}`);
        let body: {
          data?: unknown;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          failures.push(`${label}: not JSON: ${text.slice(0, 200)}`);
          return;
        }
        for (const error of body.errors ?? []) {
          const code = error.extensions?.code ?? '';
          if (!CONTRACT_CODES.has(code)) failures.push(`${label}: code ${code}: ${error.message}`);
          if (LEAKS.test(error.message))
            failures.push(`${label}: leaks: ${error.message.slice(0, 200)}`);
        }
        if (!body.errors?.length && body.data === undefined)
          failures.push(`${label}: neither data nor errors`);
      };

      // The run's real ids in upper case (the same ids: they must act as the lower-case ones;
      // not the streamer's, whom banUser would then ban like the victim).
      const values = [
        ...HOSTILE,
        ...[ctx.streamId, ctx.userId, ctx.sessionId].map((id) => JSON.stringify(id.toUpperCase())),
      ];
      // A few at a time: the server must cope, the test must not take all day.
      for (let i = 0; i < values.length; i += 8) {
        await Promise.all(values.slice(i, i + 8).map(send));
      }
      tried += values.length;
    }

    // Personal access tokens: hostile secrets after the prefix are refused as bad tokens.
    const headerSafe = HOSTILE_STRINGS.filter((s) => /^[\x21-\x7e]*$/.test(s) && s.length < 8000);
    for (const secret of headerSafe) {
      const answer = await gql(url, '{ me { id } }', {}, `fsl_pat_${secret}`);
      const code = answer.errors?.[0]?.extensions?.code;
      if (code !== 'UNAUTHENTICATED')
        failures.push(
          `Bearer fsl_pat_${secret.slice(0, 40)}: ${String(code)} (HTTP ${answer.status})`,
        );
    }
    tried += headerSafe.length;

    // OAuth access tokens: hostile values after the prefix are refused as bad tokens too.
    for (const secret of headerSafe) {
      const answer = await gql(url, '{ me { id } }', {}, `fsl_oat_${secret}`);
      const code = answer.errors?.[0]?.extensions?.code;
      if (code !== 'UNAUTHENTICATED')
        failures.push(
          `Bearer fsl_oat_${secret.slice(0, 40)}: ${String(code)} (HTTP ${answer.status})`,
        );
    }
    tried += headerSafe.length;

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    // the fuzzed users and streamer still work
    const me = await gql(url, '{ me { id } }', {}, streamer.token);
    expect(me.data?.['me']).toEqual({ id: streamer.id });
    expect(await verifyLedger(running.app.get(DataSource))).toEqual([]);

    console.log(
      `fuzzing: ${operations.size} operations, ${all.length} arguments and input fields x ${HOSTILE.length} values = ${tried} requests, ${failures.length} failures`,
    );
    expect(failures.slice(0, 80)).toEqual([]);
    // 44,744 requests since the money-out and third-party operations: 546 s on a loaded machine.
  }, 1_200_000);
});

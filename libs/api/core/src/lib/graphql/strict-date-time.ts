import { GraphQLError, isScalarType, Kind, type GraphQLSchema } from 'graphql';

/** RFC 3339 date-time: full date, time with seconds, optional fraction, Z or an offset. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/i;

const invalid = (value: unknown) =>
  new GraphQLError(
    `DateTime must be an RFC 3339 date-time such as 2026-01-31T18:00:00Z (got ${JSON.stringify(value)?.slice(0, 40) ?? typeof value})`,
  );

/**
 * A DateTime input, strictly: an RFC 3339 string whose fields exist (no 30 February, no hour 24,
 * no leap second, no year beyond 4 digits), else a GraphQLError (BAD_USER_INPUT). JavaScript's
 * `new Date()`, which the default scalar uses, takes 2026-02-30 for 2 March, numbers for epoch
 * milliseconds and six-digit years.
 */
export function parseStrictDateTime(value: unknown): Date {
  if (typeof value !== 'string') throw invalid(value);
  const match = DATE_TIME.exec(value);
  if (!match) throw invalid(value);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHours = match[8] === undefined ? 0 : Number(match[8]);
  const offsetMinutes = match[9] === undefined ? 0 : Number(match[9]);
  // Days in the month: day 0 of the next month (proleptic Gregorian, years 0..9999).
  const last = new Date(Date.UTC(2000, month, 0));
  last.setUTCFullYear(year, month, 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > last.getUTCDate() ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  )
    throw invalid(value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(value);
  return date;
}

/**
 * transformSchema: the schema's DateTime scalar parses its inputs with parseStrictDateTime
 * (output is unchanged). Its name and description stay, so the SDL does not change.
 */
export function strictDateTimeInputs(schema: GraphQLSchema): GraphQLSchema {
  const type = schema.getType('DateTime');
  if (isScalarType(type)) {
    type.parseValue = parseStrictDateTime;
    type.parseLiteral = (ast) => {
      if (ast.kind !== Kind.STRING) throw invalid(ast.kind);
      return parseStrictDateTime(ast.value);
    };
  }
  return schema;
}

import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The dates we accept from users: what every store, client and ISO-8601 text (4-digit year) holds. */
export const STORABLE_DATE_MIN = new Date('1970-01-01T00:00:00.000Z');
export const STORABLE_DATE_MAX = new Date('9999-12-31T23:59:59.999Z');

/**
 * class-validator: a valid Date within STORABLE_DATE_MIN..STORABLE_DATE_MAX. JavaScript dates
 * reach year ±275760, PostgreSQL stops at 4713 BC, clients at year 9999: anything outside is
 * refused with BAD_USER_INPUT instead of failing in the database.
 */
export function IsStorableDate(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableDate',
      validator: {
        validate: (value: unknown) =>
          value instanceof Date &&
          !Number.isNaN(value.getTime()) &&
          value.getTime() >= STORABLE_DATE_MIN.getTime() &&
          value.getTime() <= STORABLE_DATE_MAX.getTime(),
        defaultMessage: (args) =>
          `${args?.property ?? 'date'} must be a date-time between ${STORABLE_DATE_MIN.toISOString()} and ${STORABLE_DATE_MAX.toISOString()}`,
      },
    },
    validationOptions,
  );
}

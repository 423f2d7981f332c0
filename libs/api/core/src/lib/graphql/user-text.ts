import { ValidateBy, type ValidationOptions } from 'class-validator';

import { userTextProblem } from '@finserve/shared';

/**
 * class-validator: the shared rule for stored user text (userTextProblem in @finserve/shared):
 * well-formed Unicode, no control characters (multi-line texts may hold newlines). Put it on every
 * input field whose text is stored; refusals are BAD_USER_INPUT naming the field.
 */
export function IsUserText(
  options: { multiline?: boolean } = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUserText',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && userTextProblem(value, options) === undefined,
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          const problem =
            typeof value === 'string' ? userTextProblem(value, options) : 'must be a string';
          return `${args?.property ?? 'text'} ${problem ?? 'is not valid text'}`;
        },
      },
    },
    validationOptions,
  );
}

/** class-transformer @Transform: trims a string input, leaves anything else to the validators. */
export const trimString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

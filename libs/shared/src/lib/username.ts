/** Usernames: 3..32 characters of [A-Za-z0-9_], unique case-insensitively (contract RegisterInput). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 8;
/** Upper bound so a megabyte "password" cannot be used to burn hashing CPU. */
export const PASSWORD_MAX_LENGTH = 256;
export const DISPLAY_NAME_MAX_LENGTH = 64;

/** The canonical form used for uniqueness and lookup. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

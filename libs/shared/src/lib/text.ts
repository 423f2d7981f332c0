/** Control characters other than newline: C0 (but LF), DEL and C1. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

/** Text without control characters (newline allowed), for user-visible names and messages. */
// eslint-disable-next-line no-control-regex
export const WITHOUT_CONTROL_CHARACTERS = /^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$/u;

/** One line of text: no control character at all (names, titles). */
// eslint-disable-next-line no-control-regex
export const SINGLE_LINE_TEXT = /^[^\u0000-\u001f\u007f-\u009f]*$/u;

/**
 * The one rule for every text a user makes us store and show to others (stream titles and
 * descriptions, display names, tip messages, clip titles, bios, app and token names): well-formed
 * Unicode (no lone surrogate) and no control character (C0, DEL, C1: ESC, BEL, NUL, CR...); a
 * multi-line text may hold newlines (LF) and nothing else of C0. Returns why it is refused, or
 * undefined when it may be stored. Lengths are the caller's rule.
 */
export function userTextProblem(
  text: string,
  options: { multiline?: boolean } = {},
): string | undefined {
  if (!text.isWellFormed()) return 'is not valid Unicode text';
  if (options.multiline) {
    if (CONTROL_CHARACTERS.test(text))
      return 'must not contain control characters (newline is allowed)';
  } else if (!SINGLE_LINE_TEXT.test(text)) {
    return 'must not contain control characters';
  }
  return undefined;
}

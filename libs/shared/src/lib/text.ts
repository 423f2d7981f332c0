/** Control characters other than newline: C0 (but LF), DEL and C1. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

/** Text without control characters (newline allowed), for user-visible names and messages. */
// eslint-disable-next-line no-control-regex
export const WITHOUT_CONTROL_CHARACTERS = /^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$/u;

/** One line of text: no control character at all (names, titles). */
// eslint-disable-next-line no-control-regex
export const SINGLE_LINE_TEXT = /^[^\u0000-\u001f\u007f-\u009f]*$/u;

import { userTextProblem } from './text';

export enum MessageType {
  TEXT = 'TEXT',
  EMOJI = 'EMOJI',
  TIP = 'TIP',
  ALERT = 'ALERT',
}

export const CHAT_BODY_MAX_CODE_POINTS = 500;
export const CHAT_SLOW_MODE_MAX_SECONDS = 3600;
export const CHAT_TIMEOUT_MAX_SECONDS = 7 * 24 * 3600;
export const CHAT_BLOCKED_TERMS_MAX = 200;
export const CHAT_BLOCKED_TERM_MAX_LENGTH = 50;

/** The quick reactions every client offers; each is sent as an EMOJI message. */
export const CHAT_REACTIONS = ['👍', '🔥', '🚀', '📈', '📉', '💰', '😂', '❤️'] as const;

// Characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen,
// invisible operators, variation selectors, Hangul fillers. Each is matched as a single code point.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/gu;
// Built at run time: the `v` flag (Unicode sets, RGI_Emoji) is newer than some tool chains.
const EMOJI_ONLY = new RegExp('^(?:\\p{RGI_Emoji}|\\s)+$', 'v');

export type ChatBodyCheck =
  | { ok: true; body: string; type: MessageType.TEXT | MessageType.EMOJI }
  | { ok: false; reason: string };

/**
 * The rules of a user's chat message: trimmed; 1..500 Unicode code points; no control character
 * but newline; not only invisible characters; well-formed UTF-16 (no lone surrogates). Kept as
 * text exactly as accepted (HTML is not stripped: clients render bodies as text). A body of
 * emoji only (and spaces) is EMOJI, anything else TEXT.
 */
export function checkChatBody(raw: string): ChatBodyCheck {
  const body = raw.trim();
  const problem = userTextProblem(body, { multiline: true });
  if (problem) return { ok: false, reason: `body ${problem}` };
  const length = [...body].length;
  if (length === 0 || body.replace(INVISIBLE, '').trim().length === 0) {
    return { ok: false, reason: 'body must not be empty' };
  }
  if (length > CHAT_BODY_MAX_CODE_POINTS) {
    return { ok: false, reason: `body must be at most ${CHAT_BODY_MAX_CODE_POINTS} characters` };
  }
  return { ok: true, body, type: EMOJI_ONLY.test(body) ? MessageType.EMOJI : MessageType.TEXT };
}

/** The blocked term a body contains (case-insensitive, anywhere), if any. */
export function findBlockedTerm(body: string, terms: readonly string[]): string | undefined {
  const haystack = body.toLocaleLowerCase();
  return terms.find((term) => term && haystack.includes(term.toLocaleLowerCase()));
}

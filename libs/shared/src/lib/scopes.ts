/**
 * What a scoped token (a personal access token, later an OAuth app's token) may do for its user.
 * A user's own sign-in session holds every scope; a scoped token only those it was given.
 */
export const SCOPES = [
  'profile:read',
  'chat:write',
  'chat:moderate',
  'streams:write',
  'tips:read',
  'wallet:read',
  'notifications:read',
  'webhooks:manage',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** The prefix of every personal access token: recognizable in logs and by secret scanners. */
export const PERSONAL_ACCESS_TOKEN_PREFIX = 'fsl_pat_';

/** Bounds of a personal access token's lifetime in days (none: it never expires). */
export const PAT_MIN_DAYS = 1;
export const PAT_MAX_DAYS = 365;

/** The prefix of every OAuth app's access token (user or app-only): recognizable like PATs. */
export const OAUTH_ACCESS_TOKEN_PREFIX = 'fsl_oat_';
/** The prefix of OAuth refresh tokens. */
export const OAUTH_REFRESH_TOKEN_PREFIX = 'fsl_ort_';
/** The prefix of OAuth apps' client secrets. */
export const OAUTH_CLIENT_SECRET_PREFIX = 'fsl_ocs_';

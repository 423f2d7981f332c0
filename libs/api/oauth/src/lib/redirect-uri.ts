/** Redirect URIs an OAuth app may register: at most this many, each at most this long. */
export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a redirect URI cannot be registered, or null when it can. Redirects are matched exactly
 * (OAuth 2.1), so the URI is kept as given: an absolute https URL, or http on a loopback host
 * (native apps and local development); no fragment, no user info, no wildcard.
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH)
    return `a redirect URI must be 1..${MAX_REDIRECT_URI_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\s\u0000-\u001f\u007f]/.test(uri))
    return 'a redirect URI must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `not an absolute URL: ${uri.slice(0, 100)}`;
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname))
      return 'http redirect URIs are only allowed on localhost or 127.0.0.1: use https';
  } else if (url.protocol !== 'https:') {
    return 'a redirect URI must use https (or http on localhost or 127.0.0.1)';
  }
  if (url.hash || uri.includes('#')) return 'a redirect URI must not have a fragment';
  if (url.username || url.password) return 'a redirect URI must not carry user info';
  if (uri.includes('*')) return 'a redirect URI must not contain wildcards';
  return null;
}

import { isScope, type Scope } from '@finserve/shared';
import { describeError, type UiError } from '@finserve/web/data-access';

/** A pending authorization request, as GET /oauth/interaction/:uid describes it. */
export interface ConsentRequest {
  uid: string;
  appName: string;
  clientId: string;
  redirectUri: string;
  scopes: Scope[];
}

/** A refused call to the consent endpoints, with what the page shows. */
export class ConsentError extends Error {
  constructor(readonly ui: UiError) {
    super(ui.message);
    this.name = 'ConsentError';
  }
}

/** The message for a refused call to the consent endpoints (REST: `{ code, message, ... }`). */
export function consentError(status: number, body: unknown): UiError {
  const extensions =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (extensions['code'] === 'NOT_FOUND' || status === 404)
    return {
      code: 'NOT_FOUND',
      message: $localize`:@@oauthConsent.expired:This authorization request has expired or is unknown. Go back to the app and start again.`,
    };
  return describeError({ extensions });
}

/**
 * Calls the consent endpoints with the signed-in user's access token: the request to show, then
 * the user's answer, which tells where the browser goes next (back through the authorization
 * server to the app).
 */
export async function fetchConsentRequest(uid: string, token: string): Promise<ConsentRequest> {
  const response = await fetch(`/oauth/interaction/${encodeURIComponent(uid)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new ConsentError(consentError(response.status, body));
  const request = body as ConsentRequest;
  return { ...request, scopes: request.scopes.filter(isScope) };
}

export async function answerConsentRequest(
  uid: string,
  token: string,
  approve: boolean,
): Promise<string> {
  const response = await fetch(`/oauth/interaction/${encodeURIComponent(uid)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ approve }),
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new ConsentError(consentError(response.status, body));
  return (body as { redirectTo: string }).redirectTo;
}

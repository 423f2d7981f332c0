import type { Routes } from '@angular/router';

export const developersRoutes: Routes = [
  {
    path: '',
    title: 'Developers · finserve live',
    loadComponent: () =>
      import('./lib/developers-page.component').then((m) => m.DevelopersPageComponent),
  },
];

/** The OAuth consent page (`/oauth/consent?uid=...`), where the authorization server sends users. */
export const oauthConsentRoutes: Routes = [
  {
    path: '',
    title: 'Authorize an app · finserve live',
    loadComponent: () =>
      import('./lib/oauth-consent-page.component').then((m) => m.OAuthConsentPageComponent),
  },
];

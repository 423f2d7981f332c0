import type { Routes } from '@angular/router';

export const viewerRoutes: Routes = [
  {
    path: '',
    title: 'Watch · finserve live',
    loadComponent: () => import('./lib/viewer-page.component').then((m) => m.ViewerPageComponent),
  },
];

/** The page the payment provider sends the user back to after adding funds. */
export const depositReturnRoutes: Routes = [
  {
    path: '',
    title: 'Adding funds · finserve live',
    loadComponent: () =>
      import('./lib/deposit-return.component').then((m) => m.DepositReturnComponent),
  },
];

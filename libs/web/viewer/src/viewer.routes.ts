import type { Routes } from '@angular/router';

export const viewerRoutes: Routes = [
  {
    path: '',
    title: 'Watch · finserve live',
    loadComponent: () => import('./lib/viewer-page.component').then((m) => m.ViewerPageComponent),
  },
];

import type { Routes } from '@angular/router';

export const studioRoutes: Routes = [
  {
    path: '',
    title: 'Studio · finserve live',
    loadComponent: () => import('./lib/studio-page.component').then((m) => m.StudioPageComponent),
  },
];

import type { Routes } from '@angular/router';

export const clipRoutes: Routes = [
  {
    path: '',
    title: 'Clip · finserve live',
    loadComponent: () => import('./lib/clip-page.component').then((m) => m.ClipPageComponent),
  },
];

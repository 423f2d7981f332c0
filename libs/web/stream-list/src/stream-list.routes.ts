import type { Routes } from '@angular/router';

export const streamListRoutes: Routes = [
  {
    path: '',
    title: 'Live streams · finserve live',
    loadComponent: () => import('./lib/stream-list.component').then((m) => m.StreamListComponent),
  },
];

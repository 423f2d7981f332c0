import type { Routes } from '@angular/router';

export const authRoutes: Routes = [
  {
    path: 'signin',
    title: 'Sign in · finserve live',
    data: { mode: 'signin' },
    loadComponent: () => import('./lib/auth-page.component').then((m) => m.AuthPageComponent),
  },
  {
    path: 'signup',
    title: 'Sign up · finserve live',
    data: { mode: 'signup' },
    loadComponent: () => import('./lib/auth-page.component').then((m) => m.AuthPageComponent),
  },
];

import type { Routes } from '@angular/router';

export const streamListRoutes: Routes = [
  {
    path: '',
    title: 'Live streams · finserve live',
    loadComponent: () => import('./lib/stream-list.component').then((m) => m.StreamListComponent),
  },
];

export const categoryRoutes: Routes = [
  {
    path: '',
    title: 'Category · finserve live',
    loadComponent: () =>
      import('./lib/category-page.component').then((m) => m.CategoryPageComponent),
  },
];

export const searchRoutes: Routes = [
  {
    path: '',
    title: 'Search · finserve live',
    loadComponent: () => import('./lib/search-page.component').then((m) => m.SearchPageComponent),
  },
];

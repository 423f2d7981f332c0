import type { Routes } from '@angular/router';
import { provideCharts, withDefaultRegisterables } from 'ng2-charts';

const charts = [provideCharts(withDefaultRegisterables())];

export const streamStatsRoutes: Routes = [
  {
    path: '',
    title: 'Stream stats · finserve live',
    providers: charts,
    loadComponent: () => import('./lib/stream-stats.component').then((m) => m.StreamStatsComponent),
  },
];

export const platformStatsRoutes: Routes = [
  {
    path: '',
    title: 'Platform stats · finserve live',
    providers: charts,
    loadComponent: () =>
      import('./lib/platform-stats.component').then((m) => m.PlatformStatsComponent),
  },
];

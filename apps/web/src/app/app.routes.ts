import type { Routes } from '@angular/router';

import { authRoutes } from '@finserve/web/auth';
import { clipRoutes } from '@finserve/web/clips';
import { signedInGuard } from '@finserve/web/data-access';
import { platformStatsRoutes, streamStatsRoutes } from '@finserve/web/stats';
import { streamListRoutes } from '@finserve/web/stream-list';
import { studioRoutes } from '@finserve/web/studio';
import { viewerRoutes } from '@finserve/web/viewer';

/** Each feature brings its own routes; their components load lazily (loadComponent). */
export const appRoutes: Routes = [
  { path: '', pathMatch: 'full', children: streamListRoutes },
  { path: 'streams/:id/stats', children: streamStatsRoutes },
  { path: 'streams/:id', children: viewerRoutes },
  { path: 'clips/:id', children: clipRoutes },
  { path: 'stats', children: platformStatsRoutes },
  { path: 'studio', canActivate: [signedInGuard], children: studioRoutes },
  ...authRoutes,
  { path: '**', redirectTo: '' },
];

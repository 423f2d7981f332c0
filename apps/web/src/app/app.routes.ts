import type { Routes } from '@angular/router';

import { authRoutes } from '@finserve/web/auth';
import { channelRoutes, settingsRoutes } from '@finserve/web/channel';
import { clipRoutes } from '@finserve/web/clips';
import { signedInGuard } from '@finserve/web/data-access';
import { developersRoutes, oauthConsentRoutes } from '@finserve/web/developers';
import { platformStatsRoutes, streamStatsRoutes } from '@finserve/web/stats';
import { categoryRoutes, searchRoutes, streamListRoutes } from '@finserve/web/stream-list';
import { studioRoutes } from '@finserve/web/studio';
import { depositReturnRoutes, viewerRoutes } from '@finserve/web/viewer';
import { walletRoutes } from '@finserve/web/wallet';

/** Each feature brings its own routes; their components load lazily (loadComponent). */
export const appRoutes: Routes = [
  { path: '', pathMatch: 'full', children: streamListRoutes },
  { path: 'streams/:id/stats', children: streamStatsRoutes },
  { path: 'streams/:id', children: viewerRoutes },
  { path: 'clips/:id', children: clipRoutes },
  { path: 'stats', children: platformStatsRoutes },
  { path: 'c/:username', children: channelRoutes },
  { path: 'categories/:slug', children: categoryRoutes },
  { path: 'search', children: searchRoutes },
  { path: 'settings', canActivate: [signedInGuard], children: settingsRoutes },
  { path: 'studio', canActivate: [signedInGuard], children: studioRoutes },
  { path: 'developers', canActivate: [signedInGuard], children: developersRoutes },
  { path: 'oauth/consent', canActivate: [signedInGuard], children: oauthConsentRoutes },
  { path: 'wallet/return', canActivate: [signedInGuard], children: depositReturnRoutes },
  { path: 'wallet', canActivate: [signedInGuard], children: walletRoutes },
  ...authRoutes,
  { path: '**', redirectTo: '' },
];

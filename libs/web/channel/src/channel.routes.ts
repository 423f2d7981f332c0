import type { Routes } from '@angular/router';

export const channelRoutes: Routes = [
  {
    path: '',
    title: 'Channel · finserve live',
    loadComponent: () => import('./lib/channel-page.component').then((m) => m.ChannelPageComponent),
  },
];

export const settingsRoutes: Routes = [
  {
    path: '',
    title: 'Settings · finserve live',
    loadComponent: () =>
      import('./lib/settings-page.component').then((m) => m.SettingsPageComponent),
  },
];

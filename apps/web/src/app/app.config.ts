import {
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
  type ApplicationConfig,
} from '@angular/core';
import { MatIconRegistry } from '@angular/material/icon';
import { provideRouter, withComponentInputBinding, withInMemoryScrolling } from '@angular/router';

import { AuthService, provideGraphql } from '@finserve/web/data-access';

import { appRoutes } from './app.routes';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(
      appRoutes,
      withComponentInputBinding(),
      withInMemoryScrolling({ scrollPositionRestoration: 'top' }),
    ),
    provideGraphql(),
    provideAppInitializer(() => {
      // Material Symbols (bundled from npm) instead of the Material Icons web font.
      inject(MatIconRegistry).setDefaultFontSetClass('material-symbols-outlined');
      // Check the stored token in the background; guards wait for it.
      void inject(AuthService).ready();
    }),
  ],
};

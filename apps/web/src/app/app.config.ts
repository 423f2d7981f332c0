import { FullscreenOverlayContainer, OverlayContainer } from '@angular/cdk/overlay';
import {
  inject,
  LOCALE_ID,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
  type ApplicationConfig,
} from '@angular/core';
import { MatIconRegistry } from '@angular/material/icon';
import { provideRouter, withComponentInputBinding, withInMemoryScrolling } from '@angular/router';

import { AuthService, provideGraphql } from '@finserve/web/data-access';

import { appRoutes } from './app.routes';
import { localeOf, type Language } from './language';
import { APP_LANGUAGE } from './language.service';

/** The app's providers for the language main.ts picked (LOCALE_ID formats numbers, money, dates). */
export const appConfig = (language: Language): ApplicationConfig => ({
  providers: [
    { provide: APP_LANGUAGE, useValue: language },
    { provide: LOCALE_ID, useValue: localeOf(language) },
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(
      appRoutes,
      withComponentInputBinding(),
      withInMemoryScrolling({ scrollPositionRestoration: 'top' }),
    ),
    provideGraphql(),
    // Menus and tooltips also show over a fullscreen player (the quality menu).
    { provide: OverlayContainer, useClass: FullscreenOverlayContainer },
    provideAppInitializer(() => {
      // Material Symbols (bundled from npm) instead of the Material Icons web font.
      inject(MatIconRegistry).setDefaultFontSetClass('material-symbols-outlined');
      // Check the stored token in the background; guards wait for it.
      void inject(AuthService).ready();
    }),
  ],
});

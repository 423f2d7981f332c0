import { DOCUMENT, inject, Injectable, InjectionToken } from '@angular/core';

import { LANGUAGES, storeLanguage, type Language } from './language';

/** The language the app was started in (main.ts picks it before bootstrapping). */
export const APP_LANGUAGE = new InjectionToken<Language>('APP_LANGUAGE', {
  factory: () => 'en',
});

/** The menu's language switch: remembers the choice and reloads the app in that language. */
@Injectable({ providedIn: 'root' })
export class LanguageService {
  private readonly document = inject(DOCUMENT);
  readonly current = inject(APP_LANGUAGE);
  readonly languages = LANGUAGES;

  switchTo(language: Language): void {
    if (language === this.current) return;
    storeLanguage(language);
    this.document.location.reload();
  }
}

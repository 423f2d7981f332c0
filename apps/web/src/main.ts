import { registerLocaleData } from '@angular/common';
import { loadTranslations } from '@angular/localize';

import { pickLanguage, storedLanguage, type Language } from './app/language';

/**
 * One build for every language: the translations are loaded before any code of the app is
 * evaluated (the app comes in through a dynamic import), so every `$localize` and i18n template
 * reads them.
 */
async function start(): Promise<void> {
  const language: Language = pickLanguage(storedLanguage(), navigator.languages ?? []);
  if (language === 'fr') {
    const [{ default: localeFr }, { default: messages }] = await Promise.all([
      import('@angular/common/locales/fr'),
      import('./locale/messages.fr.json'),
    ]);
    registerLocaleData(localeFr);
    loadTranslations(messages.translations);
  }
  document.documentElement.lang = language;
  const { bootstrap } = await import('./bootstrap');
  await bootstrap(language);
}

start().catch((error: unknown) => console.error(error));

/** The languages of the web app: English (the source texts) and French. */
export type Language = 'en' | 'fr';

export const LANGUAGES: readonly { code: Language; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'fr', label: 'Français' },
];

/** localStorage key of the language the user picked in the menu. */
export const LANGUAGE_KEY = 'finserve.language';

/** The Angular locale (LOCALE_ID: numbers, money, dates) of a language. */
export function localeOf(language: Language): string {
  return language === 'fr' ? 'fr' : 'en-US';
}

/**
 * The stored choice if there is one, else the browser's first preference that the app speaks
 * (fr* is French, en* English), else English (pure: unit-tested).
 */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (stored === 'en' || stored === 'fr') return stored;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return 'en';
}

/** The stored choice (null when none or storage is disabled). */
export function storedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null;
  }
}

/** Remembers the choice; the caller reloads the page to apply it. */
export function storeLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts until the reload
  }
}

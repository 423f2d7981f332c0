import { localeOf, pickLanguage } from './language';

describe('pickLanguage', () => {
  it("follows the browser's first language the app speaks", () => {
    expect(pickLanguage(null, ['fr-FR', 'en-US'])).toBe('fr');
    expect(pickLanguage(null, ['fr-CA'])).toBe('fr');
    expect(pickLanguage(null, ['FR'])).toBe('fr');
    expect(pickLanguage(null, ['de-DE', 'fr-BE', 'en'])).toBe('fr');
    expect(pickLanguage(null, ['en-GB', 'fr-FR'])).toBe('en');
  });

  it('speaks English to any other browser', () => {
    expect(pickLanguage(null, ['de-DE', 'es'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });

  it("prefers the menu's remembered choice, ignoring anything unknown stored", () => {
    expect(pickLanguage('en', ['fr-FR'])).toBe('en');
    expect(pickLanguage('fr', ['en-US'])).toBe('fr');
    expect(pickLanguage('klingon', ['fr-FR'])).toBe('fr');
  });

  it('maps each language to the locale that formats its numbers, money and dates', () => {
    expect(localeOf('fr')).toBe('fr');
    expect(localeOf('en')).toBe('en-US');
  });
});

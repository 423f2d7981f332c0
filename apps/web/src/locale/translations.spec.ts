// The web app's messages and their French translations. Every text of the app goes through
// Angular i18n with an explicit id (`i18n="@@id"`, $localize`:@@id:...`); messages.json holds the
// English source extracted from the build (`npx nx run web:i18n-extract`), messages.fr.json the
// French. This spec fails when a message has no id, no French translation, a translation that
// lost or invented a placeholder, or when messages.json no longer matches the app.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { clearTranslations, loadTranslations } from '@angular/localize';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LOCALE_DIR = join(ROOT, 'apps', 'web', 'src', 'locale');
const WEB_DIST = join(ROOT, 'dist', 'apps', 'web', 'browser');

type Messages = Record<string, string>;
const read = (file: string): Messages =>
  (JSON.parse(readFileSync(join(LOCALE_DIR, file), 'utf8')) as { translations: Messages })
    .translations;
const english = read('messages.json');
const french = read('messages.fr.json');

/** The source files of the web app: its templates and TypeScript, not specs or generated code. */
function sources(): string[] {
  const roots = [join(ROOT, 'apps', 'web', 'src')];
  const libs = join(ROOT, 'libs', 'web');
  for (const lib of readdirSync(libs)) roots.push(join(libs, lib, 'src'));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|html)$/.test(name) && !/\.(spec|generated)\.ts$/.test(name)) files.push(path);
    }
  };
  roots.filter(existsSync).forEach(walk);
  return files;
}

/** Every i18n marker of the sources: its file and its id (undefined when it has none). */
function markers(): { file: string; marker: string; id: string | undefined }[] {
  const found: { file: string; marker: string; id: string | undefined }[] = [];
  for (const path of sources()) {
    const file = relative(ROOT, path);
    const text = readFileSync(path, 'utf8');
    const templates = path.endsWith('.html')
      ? [text]
      : [...text.matchAll(/\btemplate:\s*`([^`]*)`/g)].map((match) => match[1] ?? '');
    for (const template of templates) {
      for (const match of template.matchAll(/\si18n(-[\w.-]+)?(?:="([^"]*)")?(?=[\s/>])/g)) {
        const value = match[2] ?? '';
        found.push({ file, marker: match[0].trim(), id: value.split('@@')[1] || undefined });
      }
    }
    if (path.endsWith('.ts')) {
      for (const match of text.matchAll(/\$localize`((?:[^`\\]|\\.)*)`/g)) {
        const meta = /^:[^:]*?@@([\w.-]+):/.exec(match[1] ?? '');
        found.push({ file, marker: match[0].slice(0, 60), id: meta?.[1] });
      }
    }
  }
  return found;
}

/** The placeholders of a message, sorted: `{$NAME}` and the ICU expressions' variables. */
function placeholders(message: string): string[] {
  const names = [...message.matchAll(/\{\$([\w]+)\}/g)].map((match) => match[1] ?? '');
  const icu = [...message.matchAll(/\{(VAR_[A-Z]+|INTERPOLATION(?:_\d+)?)[},]/g)].map(
    (match) => `icu:${match[1] ?? ''}`,
  );
  return [...new Set([...names, ...icu])].sort();
}

describe('the translations of the web app', () => {
  it('gives every text of the app an explicit message id', () => {
    const anonymous = markers().filter((marker) => !marker.id);
    expect(anonymous.map(({ file, marker }) => `${file}: ${marker}`)).toEqual([]);
  });

  it('has messages.json in step with the sources (run `npx nx run web:i18n-extract`)', () => {
    const ids = new Set(markers().map((marker) => marker.id));
    expect([...ids].filter((id) => id && !(id in english)).sort()).toEqual([]);
    expect(Object.keys(english).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('translates every message into French', () => {
    const untranslated = Object.keys(english).filter((id) => !french[id]?.trim());
    expect(untranslated).toEqual([]);
    expect(Object.keys(french).filter((id) => !(id in english))).toEqual([]);
  });

  it('keeps the placeholders of every message in its French translation', () => {
    const broken = Object.entries(english)
      .filter(([id]) => french[id] !== undefined)
      .filter(([id, text]) => placeholders(text).join() !== placeholders(french[id] ?? '').join())
      .map(([id]) => id);
    expect(broken).toEqual([]);
  });

  it('loads the French translations as the app does', () => {
    expect(() => loadTranslations(french)).not.toThrow();
    expect($localize`:@@error.wrongCredentials:Wrong username or password.`).toBe(
      "Nom d'utilisateur ou mot de passe incorrect.",
    );
    clearTranslations();
    expect($localize`:@@error.wrongCredentials:Wrong username or password.`).toBe(
      'Wrong username or password.',
    );
  });

  it('has messages.json equal to the messages of the production build', () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    }
    const temporary = mkdtempSync(join(tmpdir(), 'i18n-check-'));
    try {
      const cli = join(ROOT, 'node_modules/@angular/localize/tools/bundles/src/extract/cli.js');
      execFileSync(
        process.execPath,
        [
          cli,
          ...['--root', ROOT, '--source', 'dist/apps/web/browser/*.js', '--format', 'json'],
          ...['--locale', 'en-US', '--useSourceMaps', 'false', '--loglevel', 'error'],
          ...['--duplicateMessageHandling', 'error'],
          ...['--outputPath', join(temporary, 'messages.json')],
        ],
        { stdio: 'pipe' },
      );
      const built = JSON.parse(readFileSync(join(temporary, 'messages.json'), 'utf8')) as {
        translations: Messages;
      };
      expect(built.translations).toEqual(english);
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  });
});

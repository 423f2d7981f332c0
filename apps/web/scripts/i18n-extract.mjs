// Writes apps/web/src/locale/messages.json: every message of the built web app (English, the
// source language), keys sorted, from the production build (`nx run web:i18n-extract` builds
// first). Translators keep messages.fr.json in step with it; apps/web/src/locale/translations.spec.ts
// fails when a message has no French translation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.cwd();
const temporary = mkdtempSync(join(tmpdir(), 'i18n-'));
try {
  execFileSync(
    process.execPath,
    [
      join(
        root,
        'node_modules',
        '@angular',
        'localize',
        'tools',
        'bundles',
        'src',
        'extract',
        'cli.js',
      ),
      ...['--root', root, '--source', 'dist/apps/web/browser/*.js', '--format', 'json'],
      ...['--locale', 'en-US', '--duplicateMessageHandling', 'error', '--useSourceMaps', 'false'],
      ...['--outputPath', join(temporary, 'messages.json')],
    ],
    { stdio: 'inherit' },
  );
  const { locale, translations } = JSON.parse(
    readFileSync(join(temporary, 'messages.json'), 'utf8'),
  );
  const sorted = Object.fromEntries(
    Object.entries(translations).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const target = join(root, 'apps', 'web', 'src', 'locale', 'messages.json');
  writeFileSync(target, `${JSON.stringify({ locale, translations: sorted }, null, 2)}\n`);
  console.log(`${Object.keys(sorted).length} messages written to ${target}`);
} finally {
  rmSync(temporary, { recursive: true, force: true });
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { REPORTING_READS, TABLE_OWNERS } from './table-owners';

const root = resolve(__dirname, '../../../../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The table names a source text's SQL reads or writes (upper-case keywords, as all our SQL). */
function tablesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_][a-z0-9_]*)/g))
    if (match[1] in TABLE_OWNERS) names.add(match[1]);
  return names;
}

describe('one owner per table', () => {
  it('gives every table the migrations create an owner, and only those', () => {
    const created = new Set<string>();
    for (const file of filesUnder(join(root, 'migrations')).filter((f) => f.endsWith('.ts'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(
        /CREATE TABLE (?:IF NOT EXISTS )?"?([a-z_][a-z0-9_]*)/g,
      ))
        created.add(match[1]);
    }
    expect([...created].sort()).toEqual(Object.keys(TABLE_OWNERS).sort());
  });

  it("keeps each lib's SQL on its own tables (reporting reads listed with their reason)", () => {
    const apiLibs = join(root, 'libs/api');
    const foreign: string[] = [];
    for (const lib of readdirSync(apiLibs).filter((name) => name !== 'database')) {
      const sources = filesUnder(join(apiLibs, lib, 'src')).filter(
        (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'),
      );
      for (const file of sources) {
        const path = relative(root, file);
        for (const table of tablesIn(readFileSync(file, 'utf8'))) {
          if (TABLE_OWNERS[table] === lib) continue;
          if (REPORTING_READS.some((read) => read.file === path && read.table === table)) continue;
          foreign.push(`${path} uses ${table} (owned by ${TABLE_OWNERS[table]})`);
        }
      }
    }
    expect(foreign).toEqual([]);
  });

  it('finds a foreign table in SQL (the check can fail)', () => {
    expect([...tablesIn('SELECT 1 FROM streams s JOIN users u ON u.id = s.streamer_id')]).toEqual([
      'streams',
      'users',
    ]);
    expect([...tablesIn('the viewers come from the streams page')]).toEqual([]);
  });

  it("lists every table with its owner in the README's architecture section", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Who owns which table'));
    for (const [table, lib] of Object.entries(TABLE_OWNERS)) {
      // Prettier pads the table's columns: any run of spaces before the next cell.
      expect(section).toMatch(new RegExp(`\\| \`api/${lib}\` +\\|[^\\n]*\`${table}\``));
    }
  });
});

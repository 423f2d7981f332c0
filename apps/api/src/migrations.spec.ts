import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { MIGRATIONS } from '@finserve/migrations';

describe('migrations/index.ts', () => {
  it('lists every migration file of the folder, oldest first, each with a descriptive name', () => {
    const files = readdirSync(join(__dirname, '..', '..', '..', 'migrations'))
      .filter((file) => /^\d+-.+\.ts$/.test(file))
      .sort();
    // Class CreateUsers1764000000000 lives in 1764000000000-CreateUsers.ts.
    const expected = MIGRATIONS.map(({ name }) => name.replace(/^(\D\w*?)(\d{13})$/, '$2-$1.ts'));
    expect(files).toEqual(expected);
  });
});

#!/usr/bin/env node
// Runs every jest project of the workspace (jest.config.ts at the root) with the settings the
// suites need: TZ=UTC, and --experimental-vm-modules so jest can load NestJS 12's ESM packages
// through require(esm). Extra arguments are passed to jest.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const jest = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
const nodeOptions = [
  process.env.NODE_OPTIONS,
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
]
  .filter(Boolean)
  .join(' ');
const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TZ: 'UTC', NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);

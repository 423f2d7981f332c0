// Shared jest settings for every project: TypeScript through SWC (decorator metadata on, for
// NestJS), CommonJS output, path aliases from tsconfig.base.json, and UTC for every test run.
const fs = require('node:fs');
const path = require('node:path');

// Set here, while jest reads its configuration and before it starts any worker.
process.env.TZ = 'UTC';

/** The path aliases of tsconfig.base.json as moduleNameMapper entries (@finserve/...). */
function pathsToModuleNameMapper() {
  const { compilerOptions } = JSON.parse(
    fs.readFileSync(path.join(__dirname, 'tsconfig.base.json'), 'utf8'),
  );
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    mapper[`^${escaped}$`] = path.join(__dirname, target);
  }
  return mapper;
}

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: {
            legacyDecorator: true,
            decoratorMetadata: true,
            useDefineForClassFields: false,
          },
          target: 'es2023',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: pathsToModuleNameMapper(),
  clearMocks: true,
};

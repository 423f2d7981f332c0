// Shared jest settings for every project: TypeScript through SWC (decorator metadata on, for
// NestJS), CommonJS output, path aliases from tsconfig.base.json.
const { pathsToModuleNameMapper } = require('./tools/jest-paths.cjs');

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

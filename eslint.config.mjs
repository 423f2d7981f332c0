import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.nx',
      '**/.data',
      '**/coverage',
      '**/*.cjs',
      '**/*.mjs',
      '**/webpack.config.js',
      'jest.preset.js',
      '**/jest.config.ts',
      '**/browser-fixtures/**',
      // graphql-codegen output (checked by web:codegen-check instead)
      '**/*.generated.ts',
    ],
  },
  // Type-aware rules, as errors, for all TypeScript.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Angular's Validators.required & co. are static functions meant to be passed around.
      '@typescript-eslint/unbound-method': ['error', { ignoreStatic: true }],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Nest injects by the runtime class of a constructor parameter: those imports must stay values.
      '@typescript-eslint/consistent-type-imports': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // The ledger's SQL (database functions of the tips lib) is a file with no imports of its
          // own, so the migrations that install it may load it without the tips lib's module
          // graph (libs/api/tips/src/lib/ledger-functions.spec.ts keeps it import-free).
          allow: ['@finserve/api/tips/ledger-sql'],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:api', 'scope:shared'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:ui',
                'type:util',
              ],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:ui',
                'type:util',
              ],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:util'],
            },
            // Presentational pieces: no data access, no features.
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
          ],
        },
      ],
    },
  },
  {
    // One owner per table (README, "Who owns which table"): raw SQL lives in the owning lib's
    // repositories (*.repository.ts) and in the database lib (migrations, advisory locks); services
    // and resolvers call them.
    files: ['libs/api/**/*.ts', 'apps/api/src/**/*.ts'],
    ignores: ['**/*.repository.ts', 'libs/api/database/**', '**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query']",
          message: "SQL goes in the owning lib's repository (*.repository.ts); call it from here.",
        },
        {
          selector: "CallExpression[callee.property.name='createQueryBuilder']",
          message: "SQL goes in the owning lib's repository (*.repository.ts); call it from here.",
        },
      ],
    },
  },
  {
    // Tests talk to real servers and parse their JSON: `any` there is the wire format.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The sample bot (examples/chat-bot): plain JavaScript for Node, run as is. Undefined names and
    // unused variables are errors there too (the shared JavaScript config leaves them to tsc).
    files: ['examples/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['console', 'fetch', 'process', 'setInterval', 'setTimeout', 'WebSocket'].map((name) => [
          name,
          'readonly',
        ]),
      ),
    },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  prettier,
];

// Jest for the Angular libraries (libs/web/*): jest-preset-angular in ESM mode (npm test runs
// jest with --experimental-vm-modules, and Angular ships ESM only), jsdom, zoneless TestBed,
// the workspace path aliases, and UTC like every other project.
const path = require('node:path');

const { createEsmPreset } = require('jest-preset-angular/presets');

const base = require('./jest.preset.js');

const preset = createEsmPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' });

module.exports = {
  ...preset,
  testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env',
  testMatch: ['**/?(*.)+(spec).ts'],
  moduleNameMapper: { ...preset.moduleNameMapper, ...base.moduleNameMapper },
  setupFilesAfterEnv: [path.join(__dirname, 'jest.web-setup.mjs')],
  clearMocks: true,
};

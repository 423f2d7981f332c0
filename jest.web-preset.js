// Jest for the Angular libraries (libs/web/*): jest-preset-angular (jsdom, Angular compiler
// transform), zoneless TestBed, the workspace path aliases, and UTC like every other project.
const path = require('node:path');

const { createCjsPreset } = require('jest-preset-angular/presets');

const base = require('./jest.preset.js');

module.exports = {
  ...createCjsPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' }),
  testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env',
  testMatch: ['**/?(*.)+(spec).ts'],
  moduleNameMapper: base.moduleNameMapper,
  setupFilesAfterEnv: [path.join(__dirname, 'jest.web-setup.js')],
  clearMocks: true,
};

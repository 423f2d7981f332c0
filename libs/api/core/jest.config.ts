export default {
  displayName: 'api-core',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

export default {
  displayName: 'api-tips',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

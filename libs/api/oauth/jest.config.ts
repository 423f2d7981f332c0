export default {
  displayName: 'api-oauth',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

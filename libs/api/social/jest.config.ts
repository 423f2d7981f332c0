export default {
  displayName: 'api-social',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

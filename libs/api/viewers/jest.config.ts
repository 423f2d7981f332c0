export default {
  displayName: 'api-viewers',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

export default {
  displayName: 'api-signaling',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

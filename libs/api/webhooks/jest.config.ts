export default {
  displayName: 'api-webhooks',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

export default {
  displayName: 'api-media',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

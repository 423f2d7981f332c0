export default {
  displayName: 'api-streams',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

export default {
  displayName: 'api-graphql',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
};

export default {
  displayName: 'shared',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
};

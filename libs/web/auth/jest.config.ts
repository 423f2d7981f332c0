export default {
  displayName: 'web-auth',
  preset: '../../../jest.web-preset.js',
};

export default {
  displayName: 'web-developers',
  preset: '../../../jest.web-preset.js',
};

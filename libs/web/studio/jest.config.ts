export default {
  displayName: 'web-studio',
  preset: '../../../jest.web-preset.js',
};

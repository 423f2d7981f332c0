export default {
  displayName: 'web-stats',
  preset: '../../../jest.web-preset.js',
};

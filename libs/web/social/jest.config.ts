export default {
  displayName: 'web-social',
  preset: '../../../jest.web-preset.js',
};

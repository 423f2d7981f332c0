export default {
  displayName: 'web-ui',
  preset: '../../../jest.web-preset.js',
};

export default {
  displayName: 'web-clips',
  preset: '../../../jest.web-preset.js',
};

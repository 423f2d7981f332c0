export default {
  displayName: 'web-media',
  preset: '../../../jest.web-preset.js',
};

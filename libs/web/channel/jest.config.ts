export default {
  displayName: 'web-channel',
  preset: '../../../jest.web-preset.js',
};

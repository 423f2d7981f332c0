export default {
  displayName: 'web-wallet',
  preset: '../../../jest.web-preset.js',
};

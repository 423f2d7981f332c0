export default {
  displayName: 'web-chat',
  preset: '../../../jest.web-preset.js',
};

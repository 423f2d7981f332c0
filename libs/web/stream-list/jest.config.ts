export default {
  displayName: 'web-stream-list',
  preset: '../../../jest.web-preset.js',
};

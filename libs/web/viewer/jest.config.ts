export default {
  displayName: 'web-viewer',
  preset: '../../../jest.web-preset.js',
};

export default {
  displayName: 'web-data-access',
  preset: '../../../jest.web-preset.js',
};

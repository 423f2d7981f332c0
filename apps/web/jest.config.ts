export default {
  displayName: 'web',
  preset: '../../jest.web-preset.js',
};

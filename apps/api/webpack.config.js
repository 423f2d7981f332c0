const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// The API is bundled (path aliases resolved, migrations included) into CommonJS for Node; every
// npm dependency stays external and is loaded from node_modules at run time (NestJS 12 packages
// are ESM and load through Node's require(esm)).
module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/api'),
    clean: true,
    // module.exports = the entry's exports (data-source.js is loaded by the TypeORM CLI).
    libraryTarget: 'commonjs2',
  },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      additionalEntryPoints: [
        { entryName: 'db', entryPath: './src/db.ts' },
        { entryName: 'data-source', entryPath: './src/data-source.ts' },
        { entryName: 'media-worker', entryPath: './src/media-worker.ts' },
      ],
      tsConfig: './tsconfig.app.json',
      // The demo stream's clip and stills (read at run time, see libs/api/demo/src/lib/demo-clip.ts);
      // beside the bundle, so `npm start` and the Docker image (which copies only dist/) have them.
      assets: [{ input: 'libs/api/demo/assets', glob: '*.{webm,jpg}', output: 'assets/demo' }],
      outputHashing: 'none',
      generatePackageJson: false,
      externalDependencies: 'all',
      optimization: false,
      sourceMap: true,
      skipTypeChecking: true,
    }),
  ],
};

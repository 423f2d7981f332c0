// Turns the path aliases of tsconfig.base.json into jest moduleNameMapper entries, so tests
// import libraries exactly as the apps do (@finserve/...).
const path = require('node:path');
const fs = require('node:fs');

function pathsToModuleNameMapper() {
  const root = path.resolve(__dirname, '..');
  const { compilerOptions } = JSON.parse(
    fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'),
  );
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    mapper[`^${escaped}$`] = path.join(root, target);
  }
  return mapper;
}

module.exports = { pathsToModuleNameMapper };

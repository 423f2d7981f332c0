#!/usr/bin/env node
// Where a server's CPU went: reads V8 CPU profiles (`node --cpu-prof`, as bench:api and
// bench:tips write them with PROFILE=1) and prints, of the busy time (idle left out):
//  - self time by owner: a package of node_modules, one of our libs (the bundle's code mapped back
//    through its source map), Node's own modules, the garbage collector;
//  - inclusive time by owner: the share of samples with that owner anywhere on the stack (what a
//    request spends in or below graphql, pg, typeorm, Nest...);
//  - the functions with the most self time.
//
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const top = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 15;
if (!args.length) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile>... [TOP]');
  process.exit(2);
}

/** Source maps of bundled files (dist/apps/api/main.js), loaded once each. */
const maps = new Map();
function sourceMapOf(path) {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      maps.set(path, null);
    }
  }
  return maps.get(path);
}

/** Who owns a frame: "pkg" of node_modules, "libs/api/x" of ours, "node:x", or a V8 name. */
function ownerOf(callFrame) {
  const { url, functionName, lineNumber, columnNumber } = callFrame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)' || functionName === '(idle)') return functionName;
    return '(v8 builtins)';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.includes('/dist/apps/')) {
    const entry = sourceMapOf(path)?.findEntry(lineNumber, columnNumber);
    if (entry?.originalSource) path = entry.originalSource;
  }
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const ours = /(libs\/(?:api|shared)\/[^/]+|apps\/[^/]+)\//.exec(path);
  return ours ? ours[1] : path.split('/').slice(-2).join('/');
}

const self = new Map();
const inclusive = new Map();
const functions = new Map();
let busy = 0;
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const owners = new Map();
  for (const node of profile.nodes) owners.set(node.id, ownerOf(node.callFrame));
  profile.samples.forEach((id, index) => {
    const delta = (profile.timeDeltas[index] ?? 0) / 1000;
    const owner = owners.get(id);
    if (owner === '(idle)' || owner === '(program)') return;
    busy += delta;
    self.set(owner, (self.get(owner) ?? 0) + delta);
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = `${functionName || '(anonymous)'} [${owner}${url ? `:${lineNumber + 1}` : ''}]`;
    functions.set(name, (functions.get(name) ?? 0) + delta);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(owners.get(at));
    for (const owner of seen) inclusive.set(owner, (inclusive.get(owner) ?? 0) + delta);
  });
}

const table = (title, entries) => {
  console.log(`\n${title}`);
  for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((ms / busy) * 100).toFixed(1).padStart(6)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
    );
  }
};
console.log(`busy CPU in ${args.length} profile(s): ${busy.toFixed(0)} ms (idle left out)`);
table('self time by owner:', self);
table(
  'inclusive time by owner (in or below it on the stack):',
  [...inclusive].filter(([o]) => !o.startsWith('(')),
);
table('functions by self time:', functions);

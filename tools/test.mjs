// `npm test`: builds the API and the web app, then runs every jest project in two phases.
//
// 1. Unit specs and the integration suites that need no browser and send no media, two at a
//    time (jest workers, each with a database of its own: apps/api/test/global-setup.ts).
// 2. The browser and media suites, one at a time: what they measure (frame rates, freezes,
//    bandwidth estimates, latency) depends on having the machine's cores to themselves.
//
// A suite is of phase 2 when it imports a browser, a media client, network namespaces, the
// caching proxy or the test camera (SERIAL_SUPPORT below), or is named in SERIAL_SUITES.
// Arguments go to jest. Given test paths, one jest run takes them as they are (one worker, as
// configured). `--json --outputFile=F` writes one report of both phases to F.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const testDir = join(root, 'apps', 'api', 'test');
const SERIAL_SUPPORT =
  /from '\.\/support\/(chromium|browser-app|webrtc-clients|netns|nginx-cache|test-video)'/;
/**
 * Without a browser or media, yet heavy enough to disturb a neighbour (or be disturbed): 10,000
 * sockets; the Angular dev server's first build (both cores for a minute).
 */
const SERIAL_SUITES = new Set(['fanout.int-spec.ts', 'dev-loop.int-spec.ts']);
const PARALLEL_WORKERS = 2;

const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const nodeArgs = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jestBin];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

const build = run('npx', [
  'nx',
  'run-many',
  '-t',
  'build',
  '-p',
  'api',
  'web',
  '--output-style=static',
]);
if (build !== 0) process.exit(build);

const args = process.argv.slice(2);
// Options that take a value in the next argument (the rest are flags or --name=value).
const VALUED = new Set([
  '-t',
  '--testNamePattern',
  '--outputFile',
  '--maxWorkers',
  '-w',
  '--shard',
  '--config',
  '-c',
  '--selectProjects',
]);
const positional = [];
let outputFile;
const passed = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--outputFile') {
    outputFile = args[++i];
    continue;
  }
  if (arg.startsWith('--outputFile=')) {
    outputFile = arg.slice('--outputFile='.length);
    continue;
  }
  passed.push(arg);
  if (VALUED.has(arg)) passed.push(args[++i]);
  else if (!arg.startsWith('-')) positional.push(arg);
}

if (positional.length > 0) {
  const status = run(process.execPath, [
    ...nodeArgs,
    ...passed,
    ...(outputFile ? [`--outputFile=${outputFile}`] : []),
  ]);
  process.exit(status);
}

const serial = readdirSync(testDir)
  .filter((name) => name.endsWith('.int-spec.ts'))
  .filter(
    (name) =>
      SERIAL_SUITES.has(name) || SERIAL_SUPPORT.test(readFileSync(join(testDir, name), 'utf8')),
  )
  .map((name) => relative(root, join(testDir, name)));
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const serialPattern = `(${serial.map(escape).join('|')})$`;

const reports = [];
const phase = (label, extra) => {
  const report = outputFile ? `${outputFile}.${label}.json` : undefined;
  console.log(`\n=== npm test: ${label}\n`);
  const status = run(process.execPath, [
    ...nodeArgs,
    ...passed,
    ...extra,
    ...(report ? [`--outputFile=${report}`] : []),
  ]);
  if (report) reports.push(report);
  return status;
};

const first = phase(
  `unit specs and suites without a browser or media, ${PARALLEL_WORKERS} at a time`,
  [
    `--maxWorkers=${PARALLEL_WORKERS}`,
    `--testPathIgnorePatterns=${serialPattern}`,
    '--testPathIgnorePatterns=/node_modules/',
  ],
);
const second = phase('browser and media suites, one at a time', [
  '--maxWorkers=1',
  `--testPathPatterns=${serialPattern}`,
]);

if (outputFile) {
  const parsed = reports.map((file) => {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  });
  const merged = {
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    numTotalTests: 0,
    numPassedTestSuites: 0,
    numFailedTestSuites: 0,
    numPendingTestSuites: 0,
    numRuntimeErrorTestSuites: 0,
    numTotalTestSuites: 0,
    testResults: [],
    success: true,
    startTime: Infinity,
  };
  for (const report of parsed) {
    if (!report) {
      merged.success = false;
      merged.numRuntimeErrorTestSuites++;
      continue;
    }
    for (const key of Object.keys(merged))
      if (typeof merged[key] === 'number' && key !== 'startTime') merged[key] += report[key] ?? 0;
    merged.testResults.push(...report.testResults);
    merged.success &&= report.success;
    merged.startTime = Math.min(merged.startTime, report.startTime);
  }
  writeFileSync(outputFile, JSON.stringify(merged));
  for (const file of reports) rmSync(file, { force: true });
  console.log(`\nTest results (both phases) written to: ${outputFile}`);
}
process.exit(first !== 0 ? first : second);

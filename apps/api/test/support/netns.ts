// Test hosts behind a network we control, for picture-quality tests and bench:quality.
//
// A "test host" is a Linux network namespace joined to this machine by a veth pair (a virtual
// cable): whatever runs inside it (a Chromium viewer, a UDP receiver) reaches this machine only
// at `hostAddress`, over a link we can shape:
//
//   this machine (host)                          namespace `name`
//   ┌──────────────────────────┐   veth pair     ┌──────────────────────────┐
//   │ hostInterface hostAddress├─────────────────┤nsInterface nsAddress     │
//   │ tbf: host → ns rate      │                 │ tbf: ns → host rate      │
//   └──────────────────────────┘                 │ nftables: drop N % input │
//                                                └──────────────────────────┘
//
// The kernels we run on have no netem, so the link is shaped with what they do have: `tc`'s token
// bucket filter (tbf) for the rate, and an nftables rule (`numgen random mod 100 < N drop`) for
// random loss. Needs root, iproute2 (`ip`, `tc`) and nftables (`nft`); CI installs them.
//
// This file is the one implementation: jest tests import it as TypeScript (SWC), and the .mjs
// benches import it directly (Node strips the types), so it uses only erasable TypeScript syntax
// and `node:` built-ins.
import {
  execFile,
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** What a test can do with one test host. */
export interface TestHost {
  /** The namespace's name (also usable with `ip netns exec`). */
  readonly name: string;
  /** This machine's end of the link, as the namespace sees it: servers must listen here (or 0.0.0.0). */
  readonly hostAddress: string;
  /** The namespace's own address. */
  readonly nsAddress: string;
  /** The veth end on this machine (shaped by `limitRate`'s downlink). */
  readonly hostInterface: string;
  /** The veth end inside the namespace. */
  readonly nsInterface: string;
  /**
   * An executable that starts Debian's Chromium inside the namespace: pass it as playwright-core's
   * `chromium.launch({ executablePath })`. The browser then reaches this machine at `hostAddress`.
   */
  readonly chromiumPath: string;
  /**
   * Limits the rate of the link, in kbit/s: `downKbit` from this machine into the namespace (a
   * viewer's downlink), `upKbit` (optional) from the namespace out, with a queue of `queueMs`
   * (default 100 ms) before drops. Replaces any earlier limit.
   */
  limitRate(downKbit: number, upKbit?: number, queueMs?: number): Promise<void>;
  /** Drops `percent` % of the packets arriving in the namespace, at random; 0 stops dropping. */
  setLoss(percent: number): Promise<void>;
  /**
   * Drops every UDP packet into and out of the namespace (a network whose firewall lets only TCP
   * through, as many corporate ones do); false lets UDP through again.
   */
  blockUdp(blocked: boolean): Promise<void>;
  /** Lifts the rate limit, the loss and the UDP block. */
  clear(): Promise<void>;
  /** Runs a command inside the namespace to its end (rejects on a non-zero exit). */
  exec(command: string, args?: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Starts a long-running command inside the namespace. */
  spawn(command: string, args?: string[], options?: SpawnOptions): ChildProcess;
  /** Deletes the namespace, its veth pair and the temporary folder. Idempotent. */
  destroy(): Promise<void>;
}

// Our namespaces are named PREFIX<pid>n<counter>: the pid keeps parallel runs apart, and lets a
// later run delete what a killed run left behind.
const PREFIX = 'fsq';
const OWN_NAME = new RegExp(`^${PREFIX}(\\d+)n(\\d+)$`);
// The /30 subnets come from 10.213.0.0/16 (16384 of them); one is picked per host, avoiding any
// address this machine already has.
const SECOND_OCTET = 213;
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const LOSS_TABLE = 'finserve_loss';
const UDP_TABLE = 'finserve_no_udp';

let counter = 0;
const live = new Map<string, () => void>();

/** `ip`, `tc` or `nft`: on PATH, or in the sbin folders a non-root PATH may lack. */
function tool(name: string): string | undefined {
  const folders = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return folders
    .map((folder) => join(folder, name))
    .find((path) => path.startsWith('/') && existsSync(path));
}

function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function runSync(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Why test hosts cannot be made here, or undefined when they can: root, `ip`, `tc` and `nft`
 * present, and a probe namespace can actually be created (a container may deny it to root).
 */
export function testHostsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const name of ['ip', 'tc', 'nft']) {
    if (!tool(name)) return `\`${name}\` is missing (apt-get install iproute2 nftables)`;
  }
  const ip = tool('ip') as string;
  const probe = `${PREFIX}${process.pid}probe`;
  try {
    runSync(ip, ['netns', 'add', probe]);
    runSync(ip, ['netns', 'del', probe]);
  } catch (error) {
    return `cannot create a network namespace: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/** True when `createTestHost` can work on this machine (see `testHostsUnavailable`). */
export function canCreateTestHosts(): boolean {
  return testHostsUnavailable() === undefined;
}

/**
 * Whether a missing capability must fail rather than skip: in CI (CI=true) and with
 * REQUIRE_NETNS=1.
 */
export function testHostsRequired(): boolean {
  return process.env['CI'] === 'true' || process.env['REQUIRE_NETNS'] === '1';
}

/**
 * `describe` when test hosts can be made; otherwise `describe.skip` with a loud warning, unless
 * they are required (CI, REQUIRE_NETNS=1): then the suite runs and its first test fails with the
 * reason.
 */
export function describeWithTestHosts(what: string): jest.Describe {
  const missing = testHostsUnavailable();
  if (!missing) return describe;
  if (testHostsRequired()) {
    return ((name: string, body: () => void) =>
      describe(name, () => {
        it('can create test hosts (root, iproute2, nftables)', () => {
          throw new Error(`${what} needs network namespaces: ${missing}`);
        });
        // The suite's own tests would fail on the same cause; they are left out.
        void body;
      })) as unknown as jest.Describe;
  }
  console.warn(`\n!!! SKIPPING ${what}: ${missing} (REQUIRE_NETNS=1 to fail instead)\n`);
  return describe.skip;
}

/** Deletes the namespaces of earlier runs whose process is gone (a run killed before cleanup). */
function reapLeftovers(ip: string): void {
  let names: string[];
  try {
    names = runSync(ip, ['netns', 'list'])
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '');
  } catch {
    return;
  }
  for (const name of names) {
    const match = OWN_NAME.exec(name);
    if (!match || Number(match[1]) === process.pid || existsSync(`/proc/${match[1]}`)) continue;
    try {
      runSync(ip, ['netns', 'del', name]);
    } catch {
      // Another run reaped it first.
    }
  }
}

/** A free /30 in 10.213/16: [host address, namespace address], none already on this machine. */
function pickSubnet(ip: string, seed: number): [string, string] {
  const taken = runSync(ip, ['-4', '-o', 'addr', 'show']);
  for (let attempt = 0; attempt < 16384; attempt++) {
    const index = (seed + attempt) % 16384;
    const base = `10.${SECOND_OCTET}.${index >> 6}.${(index & 63) * 4}`;
    const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
    const host = `${a}.${b}.${c}.${d + 1}`;
    const ns = `${a}.${b}.${c}.${d + 2}`;
    if (!taken.includes(` ${host}/`) && !taken.includes(` ${ns}/`)) return [host, ns];
  }
  throw new Error('no free /30 left in 10.213.0.0/16');
}

/** Deletes every live test host on exit (tests and benches that forget, or end on an error). */
function installExitCleanup(): void {
  if (live.size > 0) return;
  process.once('exit', () => {
    for (const destroy of [...live.values()]) destroy();
  });
}

/**
 * Creates a test host: namespace, veth pair with addresses from a fresh 10.213.x.y/30, lo up.
 * `label` (letters/digits) only helps to tell hosts apart in logs; names stay short because
 * interface names are limited to 15 characters.
 */
export async function createTestHost(label = 'host'): Promise<TestHost> {
  const missing = testHostsUnavailable();
  if (missing) throw new Error(`cannot create test host ${label}: ${missing}`);
  const ip = tool('ip') as string;
  const tc = tool('tc') as string;
  const nft = tool('nft') as string;
  reapLeftovers(ip);

  const index = counter++;
  const name = `${PREFIX}${process.pid}n${index}`; // at most 3 + 7 + 1 + 3 = 14 characters
  const hostInterface = `vh${process.pid}n${index}`; // both ends are named on this machine first
  const nsInterface = `vn${process.pid}n${index}`;
  const [hostAddress, nsAddress] = pickSubnet(ip, (process.pid * 37 + index) % 16384);
  const folder = mkdtempSync(join(tmpdir(), `finserve-${name}-`));
  const inNs = (args: string[]) => ['netns', 'exec', name, ...args];

  let destroyed = false;
  const destroySync = () => {
    if (destroyed) return;
    destroyed = true;
    live.delete(name);
    // Deleting the host end removes both ends at once, even while a process (a Chromium that
    // has not exited yet) keeps the namespace itself alive.
    for (const args of [
      ['link', 'del', hostInterface],
      ['netns', 'del', name],
    ]) {
      try {
        runSync(ip, args);
      } catch {
        // Already gone.
      }
    }
    rmSync(folder, { recursive: true, force: true });
  };
  installExitCleanup();
  live.set(name, destroySync);

  try {
    await run(ip, ['netns', 'add', name]);
    await run(ip, ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nsInterface]);
    await run(ip, ['link', 'set', nsInterface, 'netns', name]);
    await run(ip, ['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    await run(ip, ['link', 'set', hostInterface, 'up']);
    await run(ip, inNs([ip, 'addr', 'add', `${nsAddress}/30`, 'dev', nsInterface]));
    await run(ip, inNs([ip, 'link', 'set', nsInterface, 'up']));
    await run(ip, inNs([ip, 'link', 'set', 'lo', 'up']));
  } catch (error) {
    destroySync();
    throw error;
  }

  // playwright-core starts its executablePath with the pipe transport on fds 3 and 4;
  // `ip netns exec` keeps them open, so the browser talks to playwright from inside.
  const chromiumPath = join(folder, 'chromium-in-namespace');
  writeFileSync(chromiumPath, `#!/bin/sh\nexec ${ip} netns exec ${name} ${CHROMIUM} "$@"\n`);
  chmodSync(chromiumPath, 0o755);

  /** Rate-limits what leaves `device` inside the namespace (its uplink), or lifts the limit. */
  const shapeUplink = (kbit: number | undefined) =>
    kbit === undefined
      ? run(ip, inNs([tc, 'qdisc', 'del', 'dev', nsInterface, 'root'])).catch(() => '')
      : run(ip, inNs([tc, 'qdisc', 'replace', 'dev', nsInterface, 'root', 'tbf', ...tbf(kbit)]));

  const host: TestHost = {
    name,
    hostAddress,
    nsAddress,
    hostInterface,
    nsInterface,
    chromiumPath,
    async limitRate(downKbit, upKbit, queueMs) {
      if (!(downKbit > 0)) throw new Error(`limitRate: ${downKbit} kbit/s is not a rate`);
      // The downlink is shaped where it leaves this machine: the host end of the veth.
      await run(tc, [
        'qdisc',
        'replace',
        'dev',
        hostInterface,
        'root',
        'tbf',
        ...tbf(downKbit, queueMs),
      ]);
      await shapeUplink(upKbit);
    },
    async setLoss(percent) {
      if (!(percent >= 0 && percent <= 100))
        throw new Error(`setLoss: ${percent} % is not a share`);
      // Declaring the table first makes `delete` safe when it does not exist yet; the whole
      // script is applied atomically, so there is no moment without the rule when replacing it.
      const hundredths = Math.round(percent * 100);
      const script =
        `table inet ${LOSS_TABLE} {}\ndelete table inet ${LOSS_TABLE}\n` +
        (hundredths > 0
          ? `table inet ${LOSS_TABLE} {\n  chain incoming {\n    type filter hook input priority 0; policy accept;\n    numgen random mod 10000 < ${hundredths} drop\n  }\n}\n`
          : '');
      await run(ip, inNs([nft, '-f', '-']), script);
    },
    async blockUdp(blocked) {
      const script =
        `table inet ${UDP_TABLE} {}\ndelete table inet ${UDP_TABLE}\n` +
        (blocked
          ? `table inet ${UDP_TABLE} {\n  chain incoming {\n    type filter hook input priority 0; policy accept;\n    meta l4proto udp drop\n  }\n  chain outgoing {\n    type filter hook output priority 0; policy accept;\n    meta l4proto udp drop\n  }\n}\n`
          : '');
      await run(ip, inNs([nft, '-f', '-']), script);
    },
    async clear() {
      await run(tc, ['qdisc', 'del', 'dev', hostInterface, 'root']).catch(() => '');
      await shapeUplink(undefined);
      await host.setLoss(0);
      await host.blockUdp(false);
    },
    exec(command, args = []) {
      return new Promise((resolve, reject) => {
        execFile(ip, inNs([command, ...args]), { encoding: 'utf8' }, (error, stdout, stderr) =>
          error
            ? reject(new Error(`${command} in ${name}: ${stderr || error.message}`))
            : resolve({ stdout, stderr }),
        );
      });
    },
    spawn(command, args = [], options = {}) {
      return spawn(ip, inNs([command, ...args]), options);
    },
    destroy() {
      destroySync();
      return Promise.resolve();
    },
  };
  return host;
}

/** tbf arguments for `kbit` kbit/s: a 16 kbit burst (above one 1514-byte frame), a queue of `queueMs` (100 ms). */
function tbf(kbit: number, queueMs = 100): string[] {
  return ['rate', `${Math.round(kbit)}kbit`, 'burst', '16kbit', 'latency', `${queueMs}ms`];
}

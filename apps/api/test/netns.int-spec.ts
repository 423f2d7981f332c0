import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

import type { Browser, Page } from 'playwright-core';

import { describeWithBrowser, launchChromium } from './support/chromium';
import { createTestHost, describeWithTestHosts, type TestHost } from './support/netns';

// One logged retry: the unshaped transfer each rate test compares with is timed on the machine's
// own CPU, and a CI run busy with browser tests once measured it at 3.4 Mbit/s (5x the limit was
// asked). The limits themselves held in that run (957 kbit/s under limitRate(1000)).
jest.retryTimes(1, { logErrorsBeforeRetry: true });

// The harness of the picture-quality tests (support/netns.ts), proved with real traffic: a
// Chromium living in a test host sees the rate limit, and UDP into it sees the loss.
const BLOB_BYTES = 400 * 1024;
const DATAGRAMS = 2000;

/** Runs in the namespace: counts UDP datagrams; prints its port, then the count for each line read. */
const UDP_COUNTER = `
const socket = require('node:dgram').createSocket('udp4');
let received = 0;
socket.on('message', () => received++);
socket.bind(0, process.argv[1], () => console.log(socket.address().port));
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  console.log(received);
  received = 0;
});
process.stdin.on('end', () => process.exit(0));
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const describeHere =
  describeWithBrowser('the network-namespace harness') === describe.skip
    ? describe.skip
    : describeWithTestHosts('the network-namespace harness');

describeHere('test hosts (network namespaces: rate limit, loss, Chromium inside)', () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await createTestHost('harness');
  });

  afterAll(async () => {
    await host?.destroy();
  });

  describe('Chromium inside, HTTP from this machine', () => {
    let server: Server;
    let browser: Browser;
    let page: Page;
    const blob = Buffer.alloc(BLOB_BYTES, 0x5a);
    const peers = new Set<string>();

    beforeAll(async () => {
      server = createServer((request, response) => {
        peers.add(request.socket.remoteAddress ?? '');
        if (request.url?.startsWith('/upload')) {
          let received = 0;
          request.on('data', (chunk: Buffer) => (received += chunk.length));
          request.on('end', () => response.end(String(received)));
        } else if (request.url?.startsWith('/blob')) {
          response.setHeader('cache-control', 'no-store');
          response.end(blob);
        } else {
          response.setHeader('content-type', 'text/html');
          response.end('<!doctype html><title>harness</title>');
        }
      });
      // On the host end of the link only: the namespace has no other way to this machine.
      await new Promise<void>((resolve) => server.listen(0, host.hostAddress, resolve));
      browser = await launchChromium({
        executablePath: host.chromiumPath,
        reach: [host.hostAddress],
      });
      page = await browser.newPage();
      await page.goto(`http://${host.hostAddress}:${(server.address() as AddressInfo).port}/`);
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    /** Fetches the blob in the page; the rate in kbit/s as the page measured it. */
    async function fetchRateKbit(): Promise<number> {
      const { bytes, ms } = await page.evaluate(async () => {
        const started = performance.now();
        const response = await fetch(`/blob?${Math.random()}`);
        const body = await response.arrayBuffer();
        return { bytes: body.byteLength, ms: performance.now() - started };
      });
      expect(bytes).toBe(BLOB_BYTES);
      return (bytes * 8) / ms; // bits per ms = kbit/s
    }

    /** Posts BLOB_BYTES from the page; the rate in kbit/s as the page measured it. */
    async function uploadRateKbit(): Promise<number> {
      const { bytes, ms } = await page.evaluate(async (size) => {
        const started = performance.now();
        const response = await fetch('/upload', { method: 'POST', body: new Uint8Array(size) });
        const bytes = Number(await response.text());
        return { bytes, ms: performance.now() - started };
      }, BLOB_BYTES);
      expect(bytes).toBe(BLOB_BYTES);
      return (bytes * 8) / ms;
    }

    it('the browser runs in the namespace: its requests come from nsAddress', () => {
      expect(peers.size).toBeGreaterThan(0);
      expect([...peers]).toEqual([host.nsAddress]);
    });

    it('limitRate(500) holds a 400 KB download near 500 kbit/s; clear() lifts it', async () => {
      await host.limitRate(500);
      const limited = await fetchRateKbit();
      await host.clear();
      const free = await fetchRateKbit();
      console.log(
        `400 KB into the namespace: ${limited.toFixed(0)} kbit/s limited to 500, ${free.toFixed(0)} kbit/s after clear()`,
      );
      expect(limited).toBeGreaterThan(300);
      expect(limited).toBeLessThan(700);
      expect(free).toBeGreaterThan(10 * limited);
    }, 30_000);

    it('limitRate(down, 1000) holds a 400 KB upload near 1000 kbit/s', async () => {
      await host.limitRate(100_000, 1000);
      const limited = await uploadRateKbit();
      await host.clear();
      const free = await uploadRateKbit();
      console.log(
        `400 KB out of the namespace: ${limited.toFixed(0)} kbit/s limited to 1000, ${free.toFixed(0)} kbit/s after clear()`,
      );
      expect(limited).toBeGreaterThan(600);
      expect(limited).toBeLessThan(1400);
      // Twice the limit shows it lifted: the unshaped upload is timed through Chromium's fetch on
      // a CPU that CI shares with other browser tests (2.9 to 3.4 Mbit/s there, 20+ when idle).
      expect(free).toBeGreaterThan(2 * limited);
    }, 30_000);
  });

  describe('UDP from this machine into the namespace', () => {
    let counter: ChildProcessByStdio<Writable, Readable, null>;
    let replies: AsyncIterator<string>;
    let port: number;

    beforeAll(async () => {
      // stdin and stdout are pipes (the stdio option), as the cast says.
      counter = host.spawn(process.execPath, ['-e', UDP_COUNTER, host.nsAddress], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }) as ChildProcessByStdio<Writable, Readable, null>;
      replies = createInterface({ input: counter.stdout })[Symbol.asyncIterator]();
      port = Number((await replies.next()).value);
    });

    afterAll(() => {
      counter?.stdin.end();
      counter?.kill();
    });

    /** Sends DATAGRAMS datagrams, paced so no socket buffer overflows; how many arrived. */
    async function delivered(): Promise<number> {
      const socket = createSocket('udp4');
      const payload = Buffer.alloc(200, 1);
      for (let i = 0; i < DATAGRAMS; i++) {
        await new Promise<void>((resolve, reject) =>
          socket.send(payload, port, host.nsAddress, (error) =>
            error ? reject(error) : resolve(),
          ),
        );
        if (i % 50 === 49) await sleep(2);
      }
      socket.close();
      await sleep(300);
      counter.stdin.write('count\n');
      return Number((await replies.next()).value);
    }

    it('setLoss(5) drops about 5 % of the datagrams; setLoss(0) none', async () => {
      await host.setLoss(5);
      const lossy = DATAGRAMS - (await delivered());
      await host.setLoss(0);
      const clean = DATAGRAMS - (await delivered());
      console.log(
        `${DATAGRAMS} datagrams into the namespace: ${lossy} lost with setLoss(5), ${clean} with setLoss(0)`,
      );
      expect(lossy / DATAGRAMS).toBeGreaterThan(0.02);
      expect(lossy / DATAGRAMS).toBeLessThan(0.09);
      expect(clean).toBe(0);
    });
  });

  it('destroy() removes the namespace and its link', async () => {
    const extra = await createTestHost('gone');
    const ip = (args: string[]) =>
      new Promise<string>((resolve) => {
        const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', () => resolve(out));
      });
    expect(await ip(['netns', 'list'])).toContain(extra.name);
    await extra.destroy();
    expect(await ip(['netns', 'list'])).not.toContain(extra.name);
    expect(await ip(['link', 'show'])).not.toContain(extra.hostInterface);
  });
});

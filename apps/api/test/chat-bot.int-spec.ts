import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import type { RunningApp } from '../src/bootstrap';
import { CREATE_STREAM, eventually, gql, loginAdmin, registerUser } from './support/graphql-client';
import { ROOT } from './support/process';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp } from './support/test-app';

const BOT_JS = join(ROOT, 'examples', 'chat-bot', 'bot.js');

const CREATE_PAT = /* GraphQL */ `
  mutation Create($input: CreatePersonalAccessTokenInput!) {
    createPersonalAccessToken(input: $input) {
      secret
    }
  }
`;
const SEND = /* GraphQL */ `
  mutation Send($s: ID!, $body: String!) {
    sendChatMessage(streamId: $s, body: $body) {
      id
    }
  }
`;
const HISTORY = /* GraphQL */ `
  query History($s: ID!) {
    chatMessages(streamId: $s, limit: 200) {
      id
      body
      author {
        id
      }
    }
  }
`;
const CREDIT = /* GraphQL */ `
  mutation Credit($input: CreditWalletInput!) {
    creditWallet(input: $input) {
      balanceCents
    }
  }
`;
const SEND_TIP = /* GraphQL */ `
  mutation Tip($input: SendTipInput!) {
    sendTip(input: $input) {
      id
    }
  }
`;

interface Bot {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/** The sample bot as its README runs it (`npm start` is `node bot.js`), as a child process. */
function startBot(env: Record<string, string>): Bot {
  const child = spawn(process.execPath, [BOT_JS], {
    cwd: join(ROOT, 'examples', 'chat-bot'),
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

describe('the sample chat bot (examples/chat-bot) against the real API', () => {
  let running: RunningApp;
  let url: string;
  const bots: Bot[] = [];
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterAll(async () => {
    for (const started of bots) {
      if (started.child.exitCode !== null || started.child.signalCode !== null) continue;
      started.child.kill('SIGKILL');
      await started.exited;
    }
    await proxy?.stop();
    await running?.close();
  });

  it('waits for the channel to go live, answers !uptime and !price EURUSD in its chat, thanks a tipper, and answers again after its connections dropped', async () => {
    const owner = await registerUser(url, 'botowner');
    const pat = await gql<{ createPersonalAccessToken: { secret: string } }>(
      url,
      CREATE_PAT,
      { input: { name: 'chat bot', scopes: ['chat:write'] } },
      owner.token,
    );
    const secret = pat.data?.createPersonalAccessToken.secret;
    expect(secret).toMatch(/^fsl_pat_/);
    const streamer = await registerUser(url, 'channel');

    // The bot reaches the API through a proxy that can drop its connections.
    proxy = new TcpProxy(Number(new URL(url).port));
    await proxy.start();
    const bot = startBot({
      FINSERVE_TOKEN: secret ?? '',
      FINSERVE_CHANNEL: streamer.username.toUpperCase(), // usernames are case-insensitive
      FINSERVE_URL: `http://127.0.0.1:${proxy.port}`,
      // The safety-net re-check, should the go-live event pass before the subscription is in place.
      FINSERVE_CHECK_SECONDS: '3',
    });
    bots.push(bot);
    const waitForOutput = (text: string) =>
      eventually(() => (bot.output().includes(text) ? true : undefined), 15_000).catch(
        (error: Error) => {
          throw new Error(`${error.message} (${text}); bot output:\n${bot.output()}`);
        },
      );
    await waitForOutput('waiting for');

    const created = await gql<{ createStream: { id: string; status: string } }>(
      url,
      CREATE_STREAM,
      { input: { title: 'Bot-watched open' } },
      streamer.token,
    );
    const streamId = created.data?.createStream.id ?? '';
    expect(created.data?.createStream.status).toBe('LIVE');
    await waitForOutput(`following the chat of stream ${streamId}`);

    const viewer = await registerUser(url, 'viewer');
    const botMessages = async (): Promise<string[]> => {
      const history = await gql<{
        chatMessages: { body: string; author: { id: string } | null }[];
      }>(url, HISTORY, { s: streamId });
      return (history.data?.chatMessages ?? [])
        .filter((m) => m.author?.id === owner.id)
        .map((m) => m.body);
    };
    /**
     * Sends the command, then polls the chat for a new answer of the bot; sends again every 3 s
     * (the bot's chat subscription may reach the server a moment after it says it follows).
     */
    const ask = async (command: string, answer: RegExp): Promise<string> => {
      const answers = async () => (await botMessages()).filter((body) => answer.test(body));
      const before = (await answers()).length;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const sent = await gql(url, SEND, { s: streamId, body: command }, viewer.token);
        expect(sent.errors).toBeUndefined();
        const found = await eventually(async () => (await answers())[before], 3_000, 200).catch(
          () => undefined,
        );
        if (found) return found;
      }
      throw new Error(
        `no answer to ${command}; bot said ${JSON.stringify(await botMessages())}; output:\n${bot.output()}`,
      );
    };

    const uptime = await ask('!uptime', /has been live for/);
    expect(uptime).toMatch(
      new RegExp(`^${streamer.username.toUpperCase()} has been live for \\d+ s$`),
    );
    const price = await ask('!price EURUSD', /^EURUSD /);
    expect(price).toBe('EURUSD 1.0842 (a canned quote for this demo, not market data)');
    expect(await ask('!price ZZZ', /^No quote/)).toBe(
      'No quote for "ZZZ". Try one of EURUSD, GBPUSD, USDJPY, XAUUSD',
    );

    const admin = await loginAdmin(url);
    const credited = await gql(
      url,
      CREDIT,
      { input: { userId: viewer.id, amountCents: 1_000, reference: randomUUID() } },
      admin,
    );
    expect(credited.errors).toBeUndefined();
    const tipped = await gql(
      url,
      SEND_TIP,
      { input: { streamId, amountCents: 500, idempotencyKey: randomUUID() } },
      viewer.token,
    );
    expect(tipped.errors).toBeUndefined();
    const thanks = await eventually(
      async () => (await botMessages()).find((body) => body.startsWith('Thank you')),
      10_000,
      200,
    );
    expect(thanks).toBe(`Thank you ${viewer.username} for the $5.00 tip!`);

    // The network drops: the bot's socket closes, it reconnects by itself and answers again.
    proxy.drop();
    await waitForOutput('socket closed');
    expect(await ask('!uptime', /has been live for/)).toMatch(/has been live for \d+ s$/);

    // Stopped the way a person stops it: SIGTERM ends it cleanly.
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 60_000);

  it('stops with a clear message and a failure status when the API refuses its token', async () => {
    const refused = startBot({
      FINSERVE_TOKEN: 'fsl_pat_not-a-token',
      FINSERVE_CHANNEL: 'anyone',
      FINSERVE_URL: url,
    });
    bots.push(refused);
    expect(await refused.exited).toBe(1);
    // Refused over HTTP (the first query) or over the socket (closed with 4403), whichever
    // answers first: both say so and stop it.
    expect(refused.output()).toMatch(
      /UNAUTHENTICATED: Invalid or revoked token|the API refused the token/,
    );
  });
});

// The finserve-live sample chat bot. It signs in with a personal access token, waits for a
// channel to go live, follows its chat, answers !uptime and !price, and thanks tippers.
// Run: FINSERVE_TOKEN=fsl_pat_… FINSERVE_CHANNEL=<username> npm start
import { createClient } from 'graphql-ws';

const TOKEN = process.env.FINSERVE_TOKEN ?? '';
const CHANNEL = process.env.FINSERVE_CHANNEL ?? '';
const BASE_URL = (process.env.FINSERVE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
if (!TOKEN || !CHANNEL) {
  console.error('Usage: FINSERVE_TOKEN=fsl_pat_… FINSERVE_CHANNEL=<username> npm start');
  process.exit(2);
}
const HTTP_URL = `${BASE_URL}/graphql`;
const WS_URL = HTTP_URL.replace(/^http/, 'ws');

/** How often the channel is looked at again, in case a go-live was missed while reconnecting. */
const CHECK_SECONDS = Number(process.env.FINSERVE_CHECK_SECONDS ?? 30);
/** Canned quotes: this sample has no market data feed, and says so in every answer. */
const QUOTES = { EURUSD: 1.0842, GBPUSD: 1.2671, USDJPY: 151.37, XAUUSD: 2384.5 };

const log = (line) => console.log(`[bot] ${line}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A query or mutation over HTTP, the token as a bearer; waits out a 429 (Retry-After). */
async function graphql(query, variables = {}) {
  for (;;) {
    const response = await fetch(HTTP_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status === 429) {
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    const { data, errors } = await response.json();
    if (errors?.length) {
      const code = errors[0].extensions?.code ?? response.status;
      throw new Error(`${code}: ${errors[0].message}`);
    }
    return data;
  }
}

const say = (streamId, body) =>
  graphql('mutation ($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }', {
    s: streamId,
    b: body,
  });

// Subscriptions over graphql-ws; the token goes in connection_init. graphql-ws reconnects by
// itself and subscribes again; a refused token (4403) is final.
const socket = createClient({
  url: WS_URL,
  webSocketImpl: WebSocket,
  connectionParams: { authToken: TOKEN },
  retryAttempts: Infinity,
  shouldRetry: (event) => event?.code !== 4403,
  retryWait: (retries) => sleep(Math.min(30_000, 1000 * 2 ** retries)),
  on: {
    connected: (_socket, _payload, wasRetry) => {
      // Things may have changed while we were away: look at the channel again.
      if (wasRetry) recheck();
    },
    closed: (event) => {
      if (event?.code === 4403) {
        console.error('[bot] the API refused the token (revoked, expired or wrong)');
        process.exit(1);
      }
      log(`socket closed (${event?.code ?? 'no code'})`);
    },
  },
});

/** Runs a subscription until it ends; calls onData for each result. */
function subscribe(query, variables, onData) {
  return socket.subscribe(
    { query, variables },
    {
      next: ({ data, errors }) => (errors ? log(`error: ${errors[0].message}`) : onData(data)),
      error: (error) => log(`subscription error: ${error.message ?? error.code ?? error}`),
      complete: () => undefined,
    },
  );
}

const CHAT = `subscription ($s: ID!) {
  chatMessage(streamId: $s) {
    id streamId body type deleted
    tip { amountCents currency from { displayName } }
  }
}`;

/** The stream the bot follows, { id, stop }, while the channel is live. */
let following = null;
let waiting = false;

function follow(stream) {
  if (stream?.status === 'LIVE') {
    if (following?.id === stream.id) return;
    following?.stop();
    waiting = false;
    log(`following the chat of stream ${stream.id}`);
    const stop = subscribe(CHAT, { s: stream.id }, ({ chatMessage }) =>
      answer(chatMessage).catch((error) => log(`could not answer: ${error.message}`)),
    );
    following = { id: stream.id, stop };
    return;
  }
  if (following && stream && stream.id !== following.id) return; // an older stream of the channel
  following?.stop();
  following = null;
  if (!waiting) log(`waiting for ${CHANNEL} to go live`);
  waiting = true;
}

async function answer(message) {
  if (message.deleted) return;
  if (message.type === 'TIP' && message.tip) {
    const { amountCents, currency, from } = message.tip;
    const amount = new Intl.NumberFormat('en', { style: 'currency', currency }).format(
      amountCents / 100,
    );
    return say(message.streamId, `Thank you ${from.displayName} for the ${amount} tip!`);
  }
  const [command, argument = ''] = message.body.trim().split(/\s+/);
  if (command === '!uptime') {
    const { stream } = await graphql('query ($id: ID!) { stream(id: $id) { durationSeconds } }', {
      id: message.streamId,
    });
    return say(
      message.streamId,
      `${CHANNEL} has been live for ${formatDuration(stream.durationSeconds)}`,
    );
  }
  if (command === '!price') {
    const symbol = argument.toUpperCase();
    const quote = QUOTES[symbol];
    return say(
      message.streamId,
      quote === undefined
        ? `No quote for "${symbol}". Try one of ${Object.keys(QUOTES).join(', ')}`
        : `${symbol} ${quote} (a canned quote for this demo, not market data)`,
    );
  }
}

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min ${s} s` : m ? `${m} min ${s} s` : `${s} s`;
}

/** Whether the channel is live now: at start, every CHECK_SECONDS, after each reconnection. */
async function checkChannel() {
  const { user } = await graphql(
    'query ($u: String!) { user(username: $u) { liveStream { id status } } }',
    { u: CHANNEL },
  );
  if (!user) throw new Error(`no channel named ${CHANNEL}`);
  follow(user.liveStream);
}

function recheck() {
  checkChannel().catch((error) => log(`channel check failed: ${error.message}`));
}

// Go-lives and ends of every channel arrive here; the bot keeps its channel's.
subscribe(
  'subscription { liveStreamsChanged { id status streamer { username } } }',
  {},
  ({ liveStreamsChanged: stream }) => {
    if (stream.streamer.username.toLowerCase() === CHANNEL.toLowerCase()) follow(stream);
  },
);
await checkChannel().catch((error) => {
  console.error(`[bot] ${error.message}`);
  process.exit(1);
});
setInterval(recheck, CHECK_SECONDS * 1000);

// Ctrl-C or a stop: close the socket cleanly (a second at most), then exit.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    setTimeout(() => process.exit(0), 1000).unref();
    Promise.resolve(socket.dispose())
      .catch(() => undefined)
      .then(() => process.exit(0));
  });

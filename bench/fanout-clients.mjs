// Load generator of bench:fanout (a process of its own): opens `count` subscribers to one
// stream's chat, either GraphQL subscriptions over graphql-ws (protocol graphql-transport-ws)
// against the API, or Socket.IO clients joined to the stream's room against the reference server
// (Engine.IO 4 / Socket.IO 5 protocol). Each message body carries its send time; every delivery's
// latency is kept and sent back to the parent at the end.
//
// Both kinds are raw `ws` sockets that find the body in the received bytes without decoding the
// whole frame (no JSON.parse, no socket.io-client parser): the load generators share this
// machine's cores with the server, so the less CPU they take per delivery, the more the figures
// measure the server rather than the clients. Rare control frames (ack, ping, errors) are parsed.
import WebSocket from 'ws';

const { target, urls, streamId, count } = JSON.parse(process.argv[2]);
const CHAT =
  'subscription($s: ID!) { chatMessage(streamId: $s) { id body type author { username } createdAt } }';
const BODY = Buffer.from('"body":"');
const QUOTE = 0x22;
const latencies = [];
let received = 0;
const sockets = [];

const now = () => performance.timeOrigin + performance.now();
/** A chat delivery: the body is "<i> <send time>" (warm-up bodies have no time). */
const recordDelivery = (frame) => {
  const at = frame.indexOf(BODY);
  if (at < 0) return false;
  const start = at + BODY.length;
  const body = frame.toString('latin1', start, frame.indexOf(QUOTE, start));
  const sentAt = Number(body.split(' ')[1]);
  if (Number.isFinite(sentAt)) {
    latencies.push(now() - sentAt);
    received++;
  }
  return true;
};

const rawSocket = (url) => {
  const socket = new WebSocket(url, target === 'socketio' ? undefined : 'graphql-transport-ws', {
    perMessageDeflate: false,
    skipUTF8Validation: true,
  });
  sockets.push(socket);
  return socket;
};

function graphqlSubscriber(url) {
  return new Promise((resolve, reject) => {
    const socket = rawSocket(`${url.replace('http', 'ws')}/graphql`);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('error', reject);
    socket.on('message', (data) => {
      if (recordDelivery(data)) return;
      const message = JSON.parse(data.toString());
      if (message.type === 'connection_ack') {
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: CHAT, variables: { s: streamId } },
          }),
        );
        resolve();
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error') {
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
  });
}

/**
 * Socket.IO over its WebSocket transport: "0{..}" Engine.IO open -> "40" connect to "/" ->
 * "40{..}" connected -> emit join (`42["join", id]`); "2" ping -> "3" pong; `42["new_message",
 * {..}]` events are deliveries.
 */
function socketIoSubscriber(url) {
  return new Promise((resolve, reject) => {
    const socket = rawSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    socket.on('error', reject);
    socket.on('message', (data) => {
      if (recordDelivery(data)) return;
      const text = data.toString();
      if (text === '2') socket.send('3');
      else if (text.startsWith('0')) socket.send('40');
      else if (text.startsWith('40')) {
        socket.send(`42${JSON.stringify(['join', streamId])}`);
        resolve();
      } else if (text.startsWith('44')) reject(new Error(text));
    });
  });
}

async function main() {
  const open = target === 'socketio' ? socketIoSubscriber : graphqlSubscriber;
  // Opened 100 at a time, spread over the given servers; half first, then (when the parent says
  // so, once it has read the server's memory) the other half.
  const openRange = async (from, to) => {
    for (let i = from; i < to; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, to - i) }, (_, j) => open(urls[(i + j) % urls.length])),
      );
    }
  };
  const half = Math.floor(count / 2);
  await openRange(0, half);
  process.send({ type: 'half' });
  await new Promise((resolve) =>
    process.on('message', (message) => message.type === 'continue' && resolve()),
  );
  await openRange(half, count);
  process.send({ type: 'ready' });
  process.on('message', (message) => {
    if (message.type === 'report') {
      process.send({
        type: 'report',
        received,
        latencies: Buffer.from(new Float64Array(latencies).buffer).toString('base64'),
      });
    }
    if (message.type === 'close') {
      for (const socket of sockets) socket.close();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

main().catch((error) => {
  process.send({ type: 'failed', error: String(error) });
  process.exit(1);
});

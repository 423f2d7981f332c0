// Load generator of bench:fanout (a process of its own): opens `count` subscribers to one
// stream's chat, either GraphQL subscriptions over graphql-ws (protocol graphql-transport-ws, raw
// frames on `ws`) against the API, or Socket.IO clients joined to the stream's room against the
// reference server. Each message body carries its send time; every delivery's latency is kept and
// sent back to the parent at the end.
import { io } from 'socket.io-client';
import WebSocket from 'ws';

const { target, urls, streamId, count } = JSON.parse(process.argv[2]);
const CHAT =
  'subscription($s: ID!) { chatMessage(streamId: $s) { id body type author { username } createdAt } }';
const latencies = [];
let received = 0;
const sockets = [];

const now = () => performance.timeOrigin + performance.now();
const record = (body) => {
  const sentAt = Number(body.split(' ')[1]);
  if (Number.isFinite(sentAt)) {
    latencies.push(now() - sentAt);
    received++;
  }
};

function graphqlSubscriber(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      perMessageDeflate: false,
    });
    sockets.push(socket);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('error', reject);
    socket.on('message', (data) => {
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
      } else if (message.type === 'next') {
        record(message.payload.data.chatMessage.body);
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error') {
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
  });
}

function socketIoSubscriber(url) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    socket.on('connect', () => {
      socket.emit('join', streamId);
      resolve();
    });
    socket.on('connect_error', reject);
    socket.on('new_message', (message) => record(message.body));
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
      for (const socket of sockets) (socket.close ?? socket.disconnect).call(socket);
      setTimeout(() => process.exit(0), 200);
    }
  });
}

main().catch((error) => {
  process.send({ type: 'failed', error: String(error) });
  process.exit(1);
});

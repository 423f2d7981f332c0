// A local push service for bench:notify, in its own process: accepts Web Push POSTs
// (aes128gcm, VAPID-authorized) on /push/<id>, answers 201 and counts them. Reports its port,
// then the count and the time of the last push whenever the parent asks.
import { createServer } from 'node:http';

let count = 0;
let last = 0;
let malformed = 0;
const seen = new Set();

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ok =
      req.method === 'POST' &&
      req.headers['content-encoding'] === 'aes128gcm' &&
      /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/.test(String(req.headers.authorization)) &&
      body.length > 86;
    if (!ok) malformed++;
    else {
      count++;
      seen.add(req.url);
      last = performance.timeOrigin + performance.now();
    }
    res.statusCode = ok ? 201 : 400;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send({ count, distinct: seen.size, last, malformed });
  if (message === 'stop') server.close(() => process.exit(0));
});

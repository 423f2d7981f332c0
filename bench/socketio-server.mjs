// The reference for bench:fanout: what the original prototype did, a Socket.IO 4 server with a
// room per stream; `send_message` is broadcast to the room (`io.to(room).emit`), which encodes the
// packet once and writes the same frame to every socket. No database, no authentication.
import { createServer } from 'node:http';

import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const httpServer = createServer();
const io = new Server(httpServer, { perMessageDeflate: false, transports: ['websocket'] });
let sequence = 0;

io.on('connection', (socket) => {
  socket.on('join', (room) => socket.join(room));
  socket.on('send_message', ({ room, body }) => {
    io.to(room).emit('new_message', {
      id: String(++sequence),
      body,
      type: 'TEXT',
      author: { username: 'streamer' },
      createdAt: new Date().toISOString(),
    });
  });
});
httpServer.listen(port, '127.0.0.1', () => process.send?.('listening'));

import type { MessagePort } from 'node:worker_threads';

import type { PeerOptions } from './peer-config';
import { MediaError, type MainToWorker, type WorkerToMain } from './protocol';
import { Sfu } from './sfu';
import { installTcpMux } from './tcp-mux';
import { installUdpMux } from './udp-mux';

/**
 * The media worker's loop: requests from the API thread in, replies and events out. All
 * WebRTC work (DTLS, SRTP, RTP forwarding) happens on this thread, never on the API's.
 */
export function runMediaWorker(port: MessagePort, options: PeerOptions): void {
  const send = (message: WorkerToMain) => port.postMessage(message);
  const sfu = new Sfu(
    options,
    (event) => send({ kind: 'event', event }),
    (message, level) => send({ kind: 'log', message, level }),
    (streamId, sessionId) => send({ kind: 'sessionGone', streamId, sessionId }),
  );
  port.on('message', (message: MainToWorker | 'shutdown') => {
    if (message === 'shutdown') {
      void sfu.closeAll().finally(() => port.close());
      return;
    }
    sfu.handle(message.request).then(
      (result) => send({ kind: 'reply', id: message.id, ok: true, result }),
      (error: unknown) =>
        send({
          kind: 'reply',
          id: message.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          code: error instanceof MediaError ? error.code : undefined,
        }),
    );
  });
  if (options.udpMuxPort === undefined) {
    send({ kind: 'ready' });
    return;
  }
  // Every session of this worker on one UDP port (and, with ICE-TCP, the same TCP port): bound
  // before the first request is taken.
  const muxPort = options.udpMuxPort;
  Promise.all([
    installUdpMux(muxPort, options.udpBufferBytes),
    options.iceTcp ? installTcpMux(muxPort) : undefined,
  ]).then(
    () => send({ kind: 'ready' }),
    (error: unknown) => {
      send({
        kind: 'log',
        message: `cannot listen on port ${muxPort} (MEDIA_UDP_PORT): ${error instanceof Error ? error.message : String(error)}`,
      });
      throw error;
    },
  );
}

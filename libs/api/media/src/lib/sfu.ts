import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';

import { LOAD_SHEDDING, LoadGovernor } from './load-governor';
import type { PeerOptions } from './peer-config';
import { MediaError, type MediaEvent, type MediaRequest, type WorkerStats } from './protocol';
import {
  decodeRelayBatch,
  decodeRelayUp,
  encodeRelayBatch,
  encodeRelayUp,
  lastRelayMeta,
  type RelayDown,
} from './relay-feed';
import { StreamRoom } from './stream-room';
import { tcpMux } from './tcp-mux';
import { udpMux } from './udp-mux';

/**
 * The consumers of one source room's feed (relayed rooms in other workers, the API thread's taps
 * for other nodes): the messages of one event-loop turn go as one batch, encoded once, the buffer
 * transferred to the last port and copied to the others.
 */
class FeedOut {
  readonly ports = new Set<MessagePort>();
  private queue: RelayDown[] = [];
  private scheduled = false;

  constructor(private readonly onKeyframeRequest: (layerKey?: string) => void) {}

  add(port: MessagePort, meta: RelayDown | undefined): void {
    this.ports.add(port);
    port.on('message', (bytes: Uint8Array) => {
      try {
        this.onKeyframeRequest(decodeRelayUp(bytes).layer);
      } catch {
        // Not an up message: ignored.
      }
    });
    port.on('close', () => this.ports.delete(port));
    if (meta) port.postMessage(encodeRelayBatch([meta]));
  }

  send(message: RelayDown): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  close(): void {
    for (const port of this.ports) port.close();
    this.ports.clear();
    this.queue = [];
  }

  private flush(): void {
    this.scheduled = false;
    const messages = this.queue;
    this.queue = [];
    if (messages.length === 0 || this.ports.size === 0) return;
    const batch = encodeRelayBatch(messages);
    const ports = [...this.ports];
    const last = ports.pop() as MessagePort;
    for (const port of ports) port.postMessage(batch);
    last.postMessage(batch, [batch.buffer as ArrayBuffer]);
  }
}

/** This worker's feed of a stream from elsewhere; the last meta is kept for a room made later. */
interface FeedIn {
  port: MessagePort;
  meta?: RelayDown;
}

/** The rooms of one media worker, and the requests the API sends it. */
export class Sfu {
  private readonly rooms = new Map<string, StreamRoom>();
  private readonly sessions = new Map<string, string>();
  private readonly feedsOut = new Map<string, FeedOut>();
  private readonly feedsIn = new Map<string, FeedIn>();
  private readonly governor = new LoadGovernor();
  private readonly loadSampler?: NodeJS.Timeout;

  constructor(
    private readonly options: PeerOptions,
    private readonly emit: (event: MediaEvent) => void,
    private readonly log: (message: string, level?: 'warn') => void = () => undefined,
    /** A session the worker closed by itself: the API forgets it (its caps count down). */
    private readonly gone: (streamId: string, sessionId: string) => void = () => undefined,
  ) {
    if (options.loadShedding === false) return;
    let last = performance.eventLoopUtilization();
    this.loadSampler = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      const before = this.governor.shed;
      const shed = this.governor.update(utilization, Date.now());
      if (shed !== before)
        this.log(
          shed > before
            ? `media worker overloaded (event loop ${(utilization * 100).toFixed(0)} % busy): ${shed} of its viewers' top layers shed`
            : `media worker has room again (event loop ${(utilization * 100).toFixed(0)} % busy): ${shed} of its viewers' top layers shed`,
          shed > before ? 'warn' : undefined,
        );
    }, LOAD_SHEDDING.sampleMs);
    this.loadSampler.unref();
  }

  async handle(request: MediaRequest): Promise<unknown> {
    switch (request.op) {
      case 'publish':
      case 'play': {
        const room = this.room(request.streamId);
        const answer =
          request.op === 'publish'
            ? await room.publish(request.sessionId, request.sdp)
            : await room.play(request.sessionId, request.sdp, request.quality);
        this.sessions.set(request.sessionId, request.streamId);
        return answer;
      }
      case 'candidate':
        return this.sessionRoom(request.sessionId).addCandidate(
          request.sessionId,
          request.candidate,
          request.sdpMid,
        );
      case 'setQuality':
        return this.sessionRoom(request.sessionId).setQuality(request.sessionId, request.quality);
      case 'layers':
        return this.rooms.get(request.streamId)?.videoLayers() ?? [];
      case 'close': {
        const streamId = this.sessions.get(request.sessionId);
        if (!streamId) return false;
        this.sessions.delete(request.sessionId);
        const room = this.rooms.get(streamId);
        await room?.close(request.sessionId);
        if (room?.isEmpty && this.rooms.get(streamId) === room) {
          this.rooms.delete(streamId);
          room.dispose();
        }
        return true;
      }
      case 'endStream': {
        this.feedsOut.get(request.streamId)?.close();
        this.feedsOut.delete(request.streamId);
        this.feedsIn.get(request.streamId)?.port.close();
        this.feedsIn.delete(request.streamId);
        const room = this.rooms.get(request.streamId);
        if (!room) return { recording: null };
        this.rooms.delete(request.streamId);
        for (const [sessionId, streamId] of this.sessions)
          if (streamId === request.streamId) this.sessions.delete(sessionId);
        try {
          return {
            recording: await room.end(remuxProgress(request.streamId, this.log), request.quiet),
          };
        } catch (error) {
          return {
            recording: null,
            recordingError: error instanceof Error ? error.message : String(error),
          };
        }
      }
      case 'feedOut':
        this.feedOut(request.streamId, request.port);
        return true;
      case 'feedIn':
        this.feedIn(request.streamId, request.port);
        return true;
      case 'unfeed': {
        const feed = this.feedsIn.get(request.streamId);
        if (!feed) return false;
        this.feedsIn.delete(request.streamId);
        feed.port.close();
        this.rooms.get(request.streamId)?.relayEnded();
        return true;
      }
      case 'stats':
        return {
          rooms: [...this.rooms.values()].map((room) => room.stats()),
          rssBytes: process.memoryUsage().rss,
          cpuMicros: process.cpuUsage().user + process.cpuUsage().system,
          udpMux: udpMux()?.stats(),
          tcpMux: tcpMux()?.stats(),
          load: { utilization: this.governor.utilization, layersShed: this.governor.shed },
        } satisfies WorkerStats;
    }
  }

  /** A consumer of the stream's feed: it gets the meta first, then keyframes of every layer. */
  private feedOut(streamId: string, port: MessagePort): void {
    let feed = this.feedsOut.get(streamId);
    if (!feed) {
      feed = new FeedOut((layerKey) => this.rooms.get(streamId)?.requestKeyframeOf(layerKey));
      this.feedsOut.set(streamId, feed);
    }
    const room = this.room(streamId);
    feed.add(port, room.feedMeta());
    room.requestKeyframe();
  }

  /** The stream's room here is fed from `port` (another worker's source room, or an ingest). */
  private feedIn(streamId: string, port: MessagePort): void {
    this.feedsIn.get(streamId)?.port.close();
    const feed: FeedIn = { port };
    this.feedsIn.set(streamId, feed);
    port.on('message', (bytes: Uint8Array) => {
      let messages: RelayDown[];
      try {
        messages = decodeRelayBatch(bytes);
      } catch (error) {
        this.log(`relay feed of stream ${streamId}: ${String(error)}`);
        return;
      }
      feed.meta = lastRelayMeta(messages) ?? feed.meta;
      const room = this.rooms.get(streamId);
      if (room) for (const message of messages) room.ingest(message);
    });
    port.on('close', () => {
      if (this.feedsIn.get(streamId) !== feed) return;
      this.feedsIn.delete(streamId);
      this.rooms.get(streamId)?.relayEnded();
    });
    const room = this.rooms.get(streamId);
    if (room) this.wire(room, feed);
  }

  /** Points a room at its feed: keyframe requests go up; the last meta (if any) comes first. */
  private wire(room: StreamRoom, feed: FeedIn): void {
    room.relayFrom((layerKey) => {
      if (this.feedsIn.get(room.streamId) === feed)
        feed.port.postMessage(encodeRelayUp({ type: 'keyframe', layer: layerKey }));
    });
    if (feed.meta) room.ingest(feed.meta);
  }

  /**
   * The process is stopping (a deploy, a restart): the streams did not end, so no STREAM_ENDED;
   * their clients see the node go and re-open elsewhere (MEDIA_RESTART from the other nodes).
   */
  async closeAll(): Promise<void> {
    clearInterval(this.loadSampler);
    await Promise.allSettled([...this.rooms.values()].map((room) => room.end(undefined, true)));
    this.rooms.clear();
    this.sessions.clear();
  }

  private room(streamId: string): StreamRoom {
    let room = this.rooms.get(streamId);
    if (!room) {
      room = new StreamRoom(
        streamId,
        this.options,
        this.emit,
        (sessionId) => {
          if (this.sessions.get(sessionId) !== streamId) return;
          this.sessions.delete(sessionId);
          this.gone(streamId, sessionId);
        },
        {
          wanted: () => (this.feedsOut.get(streamId)?.ports.size ?? 0) > 0,
          send: (message) => this.feedsOut.get(streamId)?.send(message),
        },
        () => this.governor.shed,
      );
      this.rooms.set(streamId, room);
      const feed = this.feedsIn.get(streamId);
      if (feed) this.wire(room, feed);
    }
    return room;
  }

  private sessionRoom(sessionId: string): StreamRoom {
    const streamId = this.sessions.get(sessionId);
    const room = streamId ? this.rooms.get(streamId) : undefined;
    if (!room) throw new MediaError('NO_SESSION', 'no such media session');
    return room;
  }
}

/** Logs a recording's remux every 10 % (a long stream's takes a while). */
function remuxProgress(streamId: string, log: (message: string) => void) {
  let logged = 0;
  return (fraction: number) => {
    const tenth = Math.floor(fraction * 10);
    if (tenth <= logged) return;
    logged = tenth;
    log(`recording of stream ${streamId}: remux ${tenth * 10} %`);
  };
}

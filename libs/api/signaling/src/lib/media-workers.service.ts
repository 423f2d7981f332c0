import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';

import { AppConfig, PUB_SUB, type EventBus } from '@finserve/api/core';
import {
  decodeRelayBatch,
  decodeRelayUp,
  encodeRelayBatch,
  encodeRelayUp,
  lastRelayMeta,
  type MediaEvent,
  type MediaRequest,
  type PeerOptions,
  type RelayDown,
  type VideoLayerInfo,
  type WorkerToMain,
} from '@finserve/api/media';

import { MediaBackend, MediaRequestError } from './media-backend';

/** Channel of a stream's media events (publisher restarted, keyframe requested, ended...). */
export const mediaChannel = (streamId: string): string => `media.${streamId}`;

const REQUEST_TIMEOUT_MS = 60_000;
/** Ending a stream finalizes its recording: a remux of hours of media (file to file) takes a while. */
const END_STREAM_TIMEOUT_MS = 4 * 60 * 60_000;
/** The detail of the session events sent for the sessions of a media worker that stopped. */
export const MEDIA_RESTART = 'MEDIA_RESTART';

interface PendingRequest {
  op: MediaRequest['op'];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One media worker thread; replaced by a new one (same index) when it stops. */
export interface MediaWorker {
  readonly index: number;
  readonly worker: Worker;
  readonly pending: Map<number, PendingRequest>;
  /** Open media sessions (publishers and viewers): what "least loaded" counts. */
  sessions: number;
  alive: boolean;
  /** It has loaded (its first message came): new viewers prefer ready workers. */
  ready: boolean;
}

interface MediaSession {
  streamId: string;
  worker: MediaWorker;
  role: 'publish' | 'play';
}

/** Where the rooms of a stream on other workers get their feed: the source worker, or an ingest. */
interface Ingest {
  upstream: { requestKeyframe(layerKey?: string): void };
  /** The last meta pushed, as a batch: the first thing a worker that joins later gets. */
  meta?: Uint8Array;
}

interface StreamState {
  /** The worker holding the stream's publisher (its source room). */
  source?: MediaWorker;
  ingest?: Ingest;
  /** Sessions of the stream per worker. */
  holders: Map<MediaWorker, number>;
  /** Relay links into the workers holding viewers (not the source). */
  links: Map<MediaWorker, Link>;
  /** Consumers of the feed in this thread (relays to other nodes). */
  taps: Set<Tap>;
}

/** A relay into one worker's room; `port`: ours, when this thread feeds it (an ingest). */
interface Link {
  close(): void;
  port?: MessagePort;
}

interface Tap {
  onBatch: (batch: Uint8Array) => void;
  /** Our end of the link from the current source worker. */
  port?: MessagePort;
}

/**
 * The SFU's worker threads. A stream's publisher lives in one worker (its source, the least
 * loaded when it publishes); each viewer goes to the least loaded worker (by open sessions), and
 * every other worker holding viewers of the stream gets the source room's feed relayed over a
 * MessageChannel (batches of one event-loop turn, one transferred buffer each). Requests are
 * messages with ids; events come back and go out on the event bus. A worker that stops is
 * replaced; its sessions are reported gone (MEDIA_RESTART) so clients re-open at once.
 */
@Injectable()
export class MediaWorkers extends MediaBackend implements OnModuleInit, OnApplicationShutdown {
  readonly records = true;
  private readonly logger = new Logger(MediaWorkers.name);
  private readonly workers: MediaWorker[] = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly sessions = new Map<string, MediaSession>();
  private sequence = 0;
  private script = '';
  private options?: PeerOptions;
  private shuttingDown = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {
    super();
  }

  onModuleInit(): void {
    this.script = this.config.MEDIA_WORKER_SCRIPT ?? join(__dirname, 'media-worker.js');
    if (!existsSync(this.script)) {
      throw new Error(
        `media worker script not found at ${this.script}: build the API (nx run api:build) or set MEDIA_WORKER_SCRIPT`,
      );
    }
    this.options = {
      additionalHostAddresses: this.config.MEDIA_HOST_ADDRESSES,
      recordingDirectory: this.config.recordingDirectory,
      portRange: this.config.mediaUdpPortRange,
      connectTimeoutMs: this.config.MEDIA_CONNECT_TIMEOUT_MS,
      udpBufferBytes: this.config.MEDIA_UDP_BUFFER_BYTES,
      iceTcp: this.config.MEDIA_ICE_TCP,
      loadShedding: this.config.MEDIA_LOAD_SHEDDING,
    };
    for (let i = 0; i < this.config.MEDIA_WORKERS; i++) this.workers.push(this.spawn(i));
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('shutdown');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        await worker.terminate();
      }),
    );
  }

  /** The worker threads now (a stopped one is replaced at the same index). */
  get threads(): readonly Worker[] {
    return this.workers.map((w) => w.worker);
  }

  /** Routes a request: publish to the stream's source worker, play to the least loaded. */
  async request(streamId: string, request: MediaRequest): Promise<unknown> {
    switch (request.op) {
      case 'publish':
        return this.publish(streamId, request);
      case 'play':
        return this.play(streamId, request);
      case 'candidate':
      case 'setQuality': {
        const session = this.sessions.get(request.sessionId);
        if (!session) throw new MediaRequestError('no such media session', 'NO_SESSION');
        return this.send(session.worker, request);
      }
      case 'close': {
        const session = this.sessions.get(request.sessionId);
        if (!session) return false;
        const closed = await this.send(session.worker, request);
        this.forget(request.sessionId);
        return closed;
      }
      case 'layers':
        return this.videoLayers(streamId);
      case 'endStream':
        return this.endStream(streamId);
      case 'stats': {
        // The worker holding the stream's source (every worker's: stats()).
        const state = this.streams.get(streamId);
        const worker = state?.source ?? [...(state?.holders.keys() ?? [])][0] ?? this.leastLoaded();
        return this.send(worker, request);
      }
      default:
        throw new MediaRequestError(`${request.op} is internal to the media workers`, undefined);
    }
  }

  /** The layers a stream's publisher sends now ([] when no worker holds the stream). */
  override async videoLayers(streamId: string): Promise<VideoLayerInfo[]> {
    const state = this.streams.get(streamId);
    const worker = state?.source ?? [...(state?.holders.keys() ?? [])][0];
    if (!worker) return [];
    return (await this.send(worker, { op: 'layers', streamId })) as VideoLayerInfo[];
  }

  /** Ends a stream in every worker holding it; the recording comes from its source worker. */
  async endStream(streamId: string): Promise<unknown> {
    const state = this.streams.get(streamId);
    if (!state) return undefined;
    const primary = state.source ?? [...state.holders.keys()][0];
    // Every other worker (cheap): a room whose viewers were all reaped is still there to end.
    const others = this.workers.filter((w) => w !== primary && w.alive);
    for (const link of state.links.values()) link.close();
    state.links.clear();
    for (const tap of state.taps) tap.port?.close();
    for (const [sessionId, session] of this.sessions)
      if (session.streamId === streamId) this.forget(sessionId);
    state.source = undefined;
    if (!state.ingest && state.taps.size === 0) this.streams.delete(streamId);
    const quiet = Promise.allSettled(
      others.map((worker) => this.send(worker, { op: 'endStream', streamId, quiet: true })),
    );
    const result = primary
      ? await this.send(primary, { op: 'endStream', streamId }, END_STREAM_TIMEOUT_MS)
      : undefined;
    await quiet;
    return result;
  }

  async stats(): Promise<unknown[]> {
    return Promise.all(this.workers.map((worker) => this.send(worker, { op: 'stats' })));
  }

  /** Viewing sessions open on this node, every stream together (MEDIA_NODE_MAX_VIEWERS). */
  viewerCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.role === 'play') count++;
    return count;
  }

  /** Open media sessions of a stream on this node (for capacity decisions). */
  streamSessions(streamId: string): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.streamId === streamId) count++;
    return count;
  }

  /**
   * A consumer of the stream's feed in this thread (a relay to another node): batches as the
   * source worker encodes them, starting with the meta when there is a publisher, with keyframes
   * of every layer asked for at once. It follows the source when the publisher moves.
   */
  tapFeed(
    streamId: string,
    onBatch: (batch: Uint8Array) => void,
  ): { requestKeyframe(layerKey?: string): void; close(): void } {
    const state = this.state(streamId);
    const tap: Tap = { onBatch };
    state.taps.add(tap);
    if (state.source) this.linkTap(streamId, state.source, tap);
    return {
      requestKeyframe: (layerKey) =>
        tap.port?.postMessage(encodeRelayUp({ type: 'keyframe', layer: layerKey })),
      close: () => {
        state.taps.delete(tap);
        tap.port?.close();
        tap.port = undefined;
      },
    };
  }

  /**
   * This node's rooms of the stream are fed from this thread (a relay from the stream's home
   * node): `play` is served from the pushed batches, spread over the workers like any play;
   * keyframe requests go to `upstream`. `close()` ends the relayed rooms' source: their viewers
   * stay connected, waiting.
   */
  relayFrom(
    streamId: string,
    upstream: { requestKeyframe(layerKey?: string): void },
  ): { push(batch: Uint8Array): void; close(): void } {
    const state = this.state(streamId);
    const ingest: Ingest = { upstream };
    for (const link of state.links.values()) link.close();
    state.links.clear();
    state.ingest = ingest;
    for (const worker of state.holders.keys()) this.link(streamId, worker);
    if (state.holders.size > 0) upstream.requestKeyframe();
    return {
      push: (batch) => {
        if (state.ingest !== ingest) return;
        const meta = lastRelayMeta(safeDecode(batch));
        if (meta) ingest.meta = encodeRelayBatch([meta]);
        for (const link of state.links.values()) link.port?.postMessage(batch);
      },
      close: () => {
        if (state.ingest !== ingest) return;
        state.ingest = undefined;
        for (const link of state.links.values()) link.close();
        state.links.clear();
      },
    };
  }

  private async publish(
    streamId: string,
    request: Extract<MediaRequest, { op: 'publish' }>,
  ): Promise<unknown> {
    const state = this.state(streamId);
    const worker = state.source?.alive ? state.source : this.leastLoaded();
    const answer = await this.send(worker, request);
    this.remember(request.sessionId, streamId, worker, 'publish');
    if (state.source !== worker) {
      // A new source (first publish, or its worker stopped): the relayed rooms and taps follow.
      state.source = worker;
      if (state.ingest) this.logger.warn(`stream ${streamId}: a local publisher replaces a relay`);
      state.ingest = undefined;
      for (const link of state.links.values()) link.close();
      state.links.clear();
      if (state.holders.has(worker)) void this.send(worker, { op: 'unfeed', streamId }).catch(noop);
      for (const holder of state.holders.keys()) if (holder !== worker) this.link(streamId, holder);
      for (const tap of state.taps) this.linkTap(streamId, worker, tap);
    }
    return answer;
  }

  private async play(
    streamId: string,
    request: Extract<MediaRequest, { op: 'play' }>,
  ): Promise<unknown> {
    const state = this.state(streamId);
    const worker = this.leastLoaded();
    const answer = await this.send(worker, request);
    this.remember(request.sessionId, streamId, worker, 'play');
    if (worker !== state.source && !state.links.has(worker) && (state.source || state.ingest))
      this.link(streamId, worker);
    return answer;
  }

  /** Relays the stream's feed (from its source worker, or the ingest) into `worker`'s room. */
  private link(streamId: string, worker: MediaWorker): void {
    const state = this.state(streamId);
    const { port1, port2 } = new MessageChannel();
    if (state.source && !state.ingest) {
      // Worker to worker: this thread only introduces them; packets never pass through it.
      this.post(state.source, { op: 'feedOut', streamId, port: port1 }, [port1]);
      this.post(worker, { op: 'feedIn', streamId, port: port2 }, [port2]);
      // Closing the link: the consumer closes its end (its room's source ends; the source sees).
      state.links.set(worker, {
        close: () => void this.send(worker, { op: 'unfeed', streamId }).catch(noop),
      });
      return;
    }
    const ingest = state.ingest;
    if (!ingest) return;
    port1.on('message', (bytes: Uint8Array) => {
      try {
        ingest.upstream.requestKeyframe(decodeRelayUp(bytes).layer);
      } catch {
        // Not an up message: ignored.
      }
    });
    port1.unref();
    state.links.set(worker, { port: port1, close: () => port1.close() });
    this.post(worker, { op: 'feedIn', streamId, port: port2 }, [port2]);
    if (ingest.meta) port1.postMessage(ingest.meta);
    ingest.upstream.requestKeyframe();
  }

  private linkTap(streamId: string, source: MediaWorker, tap: Tap): void {
    tap.port?.close();
    const { port1, port2 } = new MessageChannel();
    port2.on('message', (batch: Uint8Array) => tap.onBatch(batch));
    port2.unref();
    tap.port = port2;
    this.post(source, { op: 'feedOut', streamId, port: port1 }, [port1]);
  }

  private state(streamId: string): StreamState {
    let state = this.streams.get(streamId);
    if (!state) {
      state = { holders: new Map(), links: new Map(), taps: new Set() };
      this.streams.set(streamId, state);
    }
    return state;
  }

  /**
   * The alive worker with the fewest sessions, among the ready ones when there are: a worker
   * replacing one that stopped is still loading, and the viewers re-opening their sessions at
   * that moment would wait for it.
   */
  private leastLoaded(): MediaWorker {
    const alive = this.workers.filter((w) => w.alive);
    if (alive.length === 0) throw new MediaRequestError('no media worker is running', undefined);
    const ready = alive.filter((w) => w.ready);
    return (ready.length > 0 ? ready : alive).reduce((least, candidate) =>
      candidate.sessions < least.sessions ? candidate : least,
    );
  }

  private remember(
    sessionId: string,
    streamId: string,
    worker: MediaWorker,
    role: MediaSession['role'],
  ): void {
    if (this.sessions.has(sessionId)) this.forget(sessionId);
    this.sessions.set(sessionId, { streamId, worker, role });
    worker.sessions++;
    const state = this.state(streamId);
    state.holders.set(worker, (state.holders.get(worker) ?? 0) + 1);
  }

  /** A session closed: its worker's count goes down; a worker left without viewers is unfed. */
  private forget(sessionId: string): MediaSession | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) return undefined;
    this.sessions.delete(sessionId);
    const { worker, streamId } = session;
    worker.sessions--;
    const state = this.streams.get(streamId);
    if (!state) return session;
    const left = (state.holders.get(worker) ?? 1) - 1;
    if (left > 0) {
      state.holders.set(worker, left);
      return session;
    }
    state.holders.delete(worker);
    const link = state.links.get(worker);
    if (link) {
      state.links.delete(worker);
      link.close();
    }
    return session;
  }

  private spawn(index: number): MediaWorker {
    const media: MediaWorker = {
      index,
      worker: new Worker(this.script, {
        workerData: {
          ...(this.options as PeerOptions),
          // MEDIA_UDP_PORT: worker i muxes every session on port + i.
          udpMuxPort:
            this.config.MEDIA_UDP_PORT === undefined
              ? undefined
              : this.config.MEDIA_UDP_PORT + index,
        } satisfies PeerOptions,
      }),
      pending: new Map(),
      sessions: 0,
      alive: true,
      ready: false,
    };
    media.worker.on('message', (message: WorkerToMain) => this.receive(media, message));
    media.worker.on('error', (error: Error) =>
      this.logger.error(`media worker ${index} failed: ${error.message}`),
    );
    media.worker.on('exit', (code) => this.stopped(media, code));
    media.worker.unref();
    return media;
  }

  /**
   * A worker stopped (crash, error, terminate): a new one takes its place; every session it held
   * is gone (signaling forgets it; its client is told MEDIA_RESTART and re-opens); its pending
   * requests fail now; streams it was the source of wait for their publisher to publish again.
   */
  private stopped(media: MediaWorker, code: number): void {
    media.alive = false;
    for (const [id, pending] of media.pending) {
      clearTimeout(pending.timer);
      pending.reject(new MediaRequestError(`media worker stopped during ${pending.op}`, undefined));
      media.pending.delete(id);
    }
    if (this.shuttingDown) return;
    this.logger.error(
      `media worker ${media.index} stopped (exit code ${code}); starting a new one`,
    );
    const replacement = this.spawn(media.index);
    this.workers[this.workers.indexOf(media)] = replacement;
    for (const [sessionId, session] of [...this.sessions]) {
      if (session.worker !== media) continue;
      this.forget(sessionId);
      this.sessionGone(session.streamId, sessionId);
      void this.bus.publish(mediaChannel(session.streamId), {
        type: session.role === 'publish' ? 'PUBLISHER_GONE' : 'SESSION_CLOSED',
        streamId: session.streamId,
        sessionId,
        detail: MEDIA_RESTART,
      } satisfies MediaEvent);
    }
    for (const state of this.streams.values()) {
      state.holders.delete(media);
      state.links.get(media)?.port?.close();
      state.links.delete(media);
      if (state.source !== media) continue;
      state.source = undefined;
      // Its feed ends: the relayed rooms' viewers stay connected, waiting for the next publisher.
      for (const link of state.links.values()) link.close();
      state.links.clear();
      const gone = encodeRelayBatch([{ type: 'publisher', state: 'gone' }]);
      for (const tap of state.taps) {
        tap.port?.close();
        tap.port = undefined;
        // The relays elsewhere learn it as from the source (their viewers wait).
        tap.onBatch(gone.slice());
      }
    }
  }

  private post(media: MediaWorker, request: MediaRequest, transfer: MessagePort[]): void {
    const id = ++this.sequence;
    const timer = setTimeout(() => media.pending.delete(id), REQUEST_TIMEOUT_MS);
    timer.unref();
    media.pending.set(id, { op: request.op, resolve: noop, reject: noop, timer });
    media.worker.postMessage({ id, request }, transfer);
  }

  private send(
    media: MediaWorker,
    request: MediaRequest,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    if (!media.alive)
      return Promise.reject(new MediaRequestError('media worker stopped', undefined));
    const id = ++this.sequence;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        media.pending.delete(id);
        reject(
          new MediaRequestError(`media worker did not answer ${request.op} in time`, undefined),
        );
      }, timeoutMs);
      timer.unref();
      media.pending.set(id, { op: request.op, resolve, reject, timer });
      media.worker.postMessage({ id, request });
    });
  }

  private receive(media: MediaWorker, message: WorkerToMain): void {
    if (message.kind === 'ready') {
      media.ready = true;
      return;
    }
    if (message.kind === 'log') {
      if (message.level === 'warn') this.logger.warn(message.message);
      else this.logger.log(message.message);
      return;
    }
    if (message.kind === 'sessionGone') {
      if (this.sessions.get(message.sessionId)?.worker === media) this.forget(message.sessionId);
      this.sessionGone(message.streamId, message.sessionId);
      return;
    }
    if (message.kind === 'event') {
      void this.bus.publish(
        mediaChannel(message.event.streamId),
        message.event satisfies MediaEvent,
      );
      return;
    }
    const pending = media.pending.get(message.id);
    if (!pending) return;
    media.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new MediaRequestError(message.error, message.code));
  }
}

function noop(): void {
  // Nothing to do.
}

function safeDecode(batch: Uint8Array): RelayDown[] {
  try {
    return decodeRelayBatch(batch);
  } catch {
    return [];
  }
}

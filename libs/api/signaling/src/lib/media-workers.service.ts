import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';

import { AppConfig, PUB_SUB, type EventBus } from '@finserve/api/core';
import type {
  MediaEvent,
  MediaRequest,
  PeerOptions,
  VideoLayerInfo,
  WorkerToMain,
} from '@finserve/api/media';

import { MediaBackend, MediaRequestError } from './media-backend';

/** Channel of a stream's media events (publisher restarted, keyframe requested, ended...). */
export const mediaChannel = (streamId: string): string => `media.${streamId}`;

const REQUEST_TIMEOUT_MS = 60_000;
/** Ending a stream finalizes its recording: a remux of hours of media (file to file) takes a while. */
const END_STREAM_TIMEOUT_MS = 4 * 60 * 60_000;

interface MediaWorker {
  worker: Worker;
  pending: Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >;
  streams: number;
}

/**
 * The SFU's worker threads. A stream is pinned to one worker (the least loaded when it first
 * needs media) for its whole life; requests are messages with ids, events come back and go out
 * on the event bus.
 */
@Injectable()
export class MediaWorkers extends MediaBackend implements OnModuleInit, OnApplicationShutdown {
  readonly records = true;
  private readonly logger = new Logger(MediaWorkers.name);
  private readonly workers: MediaWorker[] = [];
  private readonly pinned = new Map<string, MediaWorker>();
  private sequence = 0;

  constructor(
    private readonly config: AppConfig,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {
    super();
  }

  onModuleInit(): void {
    const script = this.config.MEDIA_WORKER_SCRIPT ?? join(__dirname, 'media-worker.js');
    if (!existsSync(script)) {
      throw new Error(
        `media worker script not found at ${script}: build the API (nx run api:build) or set MEDIA_WORKER_SCRIPT`,
      );
    }
    const options: PeerOptions = {
      additionalHostAddresses: this.config.MEDIA_HOST_ADDRESSES,
      recordingDirectory: join(this.config.DATA_DIR, 'recordings'),
      portRange: this.config.mediaUdpPortRange,
      connectTimeoutMs: this.config.MEDIA_CONNECT_TIMEOUT_MS,
    };
    for (let i = 0; i < this.config.MEDIA_WORKERS; i++) {
      const worker: MediaWorker = {
        worker: new Worker(script, { workerData: options }),
        pending: new Map(),
        streams: 0,
      };
      worker.worker.on('message', (message: WorkerToMain) => this.receive(worker, message));
      worker.worker.on('error', (error: Error) =>
        this.logger.error(`media worker ${i} failed: ${error.message}`),
      );
      worker.worker.unref();
      this.workers.push(worker);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('shutdown');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        await worker.terminate();
      }),
    );
  }

  /** Sends a request to the worker that holds (or will hold) the stream. */
  request(streamId: string, request: MediaRequest): Promise<unknown> {
    return this.send(this.workerFor(streamId), request);
  }

  /** The layers a stream's publisher sends now ([] when no worker holds the stream). */
  override async videoLayers(streamId: string): Promise<VideoLayerInfo[]> {
    const worker = this.pinned.get(streamId);
    if (!worker) return [];
    return (await this.send(worker, { op: 'layers', streamId })) as VideoLayerInfo[];
  }

  /** Forgets a stream after it ended (its worker is free for others). */
  async endStream(streamId: string): Promise<unknown> {
    const worker = this.pinned.get(streamId);
    if (!worker) return undefined;
    this.pinned.delete(streamId);
    worker.streams--;
    return this.send(worker, { op: 'endStream', streamId }, END_STREAM_TIMEOUT_MS);
  }

  async stats(): Promise<unknown[]> {
    return Promise.all(this.workers.map((worker) => this.send(worker, { op: 'stats' })));
  }

  private workerFor(streamId: string): MediaWorker {
    let worker = this.pinned.get(streamId);
    if (!worker) {
      worker = this.workers.reduce((least, candidate) =>
        candidate.streams < least.streams ? candidate : least,
      );
      worker.streams++;
      this.pinned.set(streamId, worker);
    }
    return worker;
  }

  private send(
    worker: MediaWorker,
    request: MediaRequest,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    const id = ++this.sequence;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.pending.delete(id);
        reject(
          new MediaRequestError(`media worker did not answer ${request.op} in time`, undefined),
        );
      }, timeoutMs);
      timer.unref();
      worker.pending.set(id, { resolve, reject, timer });
      worker.worker.postMessage({ id, request });
    });
  }

  private receive(worker: MediaWorker, message: WorkerToMain): void {
    if (message.kind === 'log') {
      this.logger.log(message.message);
      return;
    }
    if (message.kind === 'sessionGone') {
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
    const pending = worker.pending.get(message.id);
    if (!pending) return;
    worker.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new MediaRequestError(message.error, message.code));
  }
}

import type { MessagePort } from 'node:worker_threads';

/** A viewer's choice of video layer: AUTO adapts to its connection; the others pin a layer. */
export type VideoQuality = 'AUTO' | 'HIGH' | 'MEDIUM' | 'LOW';
export type LayerQuality = Exclude<VideoQuality, 'AUTO'>;

/** A video layer the SFU receives from the publisher (simulcast: up to three). */
export interface VideoLayerInfo {
  quality: LayerQuality;
  /** The simulcast rid ('q', 'h', 'f' from our console; OBS and others choose theirs); null without simulcast. */
  rid: string | null;
  width: number;
  height: number;
  framesPerSecond: number;
  bitrateKbps: number;
}

/**
 * Messages between the API thread and a media worker (structured-clone safe: strings and numbers;
 * the relay ops carry a MessagePort, transferred).
 */
export type MediaRequest =
  | { op: 'publish'; streamId: string; sessionId: string; sdp: string }
  | { op: 'play'; streamId: string; sessionId: string; sdp: string; quality?: VideoQuality }
  | { op: 'setQuality'; sessionId: string; quality: VideoQuality }
  | { op: 'layers'; streamId: string }
  | { op: 'candidate'; sessionId: string; candidate: string; sdpMid: string | null }
  | { op: 'close'; sessionId: string }
  /** `quiet`: another worker's room of the stream emits STREAM_ENDED. */
  | { op: 'endStream'; streamId: string; quiet?: boolean }
  | { op: 'stats' }
  /** The worker's source room of the stream sends its feed down `port` (meta first). */
  | { op: 'feedOut'; streamId: string; port: MessagePort }
  /** The worker's room of the stream is fed from `port` (replacing any feed it had). */
  | { op: 'feedIn'; streamId: string; port: MessagePort }
  /** The worker's room of the stream is no longer fed (its port closes). */
  | { op: 'unfeed'; streamId: string };

export type MediaEventType =
  | 'PUBLISHER_CONNECTED'
  | 'PUBLISHER_RESTARTED'
  | 'PUBLISHER_GONE'
  | 'SESSION_CONNECTED'
  | 'SESSION_CLOSED'
  | 'KEYFRAME_REQUESTED'
  | 'STREAM_ENDED';

export interface MediaEvent {
  type: MediaEventType;
  streamId: string;
  /** The session concerned (for SESSION_*); absent for stream-wide events. */
  sessionId?: string;
  detail?: string;
}

export interface RoomStats {
  streamId: string;
  publisher: boolean;
  /** Fed by a relay from the stream's source room (another worker or node). */
  relayed: boolean;
  subscribers: number;
  videoPacketsIn: number;
  keyframeRequests: number;
  nacksFromSubscribers: number;
  /** Layer switches of viewers (AUTO adapting, or a pinned quality). */
  layerSwitches: number;
  videoLayers: VideoLayerInfo[];
}

export interface WorkerStats {
  rooms: RoomStats[];
  rssBytes: number;
  cpuMicros: number;
  /** The worker's shared UDP port (MEDIA_UDP_PORT): sessions and source addresses it routes. */
  udpMux?: { port: number; sessions: number; sources: number; dropped: number };
  /** The same port for ICE over TCP: sessions, connections handed over and refused. */
  tcpMux?: { port: number; sessions: number; accepted: number; dropped: number };
  /** Its event loop's busy share over the last second, and the top layers it sheds for it. */
  load: { utilization: number; layersShed: number };
}

export type WorkerToMain =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string; code?: string }
  | { kind: 'event'; event: MediaEvent }
  /** A line for the API's log (the worker has no logger of its own). */
  | { kind: 'log'; message: string; level?: 'warn' }
  /** The worker closed a session by itself (never connected, peer gone, publisher replaced). */
  | { kind: 'sessionGone'; streamId: string; sessionId: string }
  /** The worker has loaded and takes requests (a replacement takes seconds on a busy machine). */
  | { kind: 'ready' };

export type MainToWorker = { id: number; request: MediaRequest };

/** Errors the worker reports with a code the API maps to GraphQL/HTTP errors. */
export class MediaError extends Error {
  constructor(
    readonly code: 'NO_SESSION' | 'BAD_SDP' | 'NOT_LIVE',
    message: string,
  ) {
    super(message);
  }
}

import type { PeerOptions } from './peer-config';
import { MediaError, type MediaEvent, type MediaRequest, type WorkerStats } from './protocol';
import { StreamRoom } from './stream-room';

/** The rooms of one media worker, and the requests the API sends it. */
export class Sfu {
  private readonly rooms = new Map<string, StreamRoom>();
  private readonly sessions = new Map<string, string>();

  constructor(
    private readonly options: PeerOptions,
    private readonly emit: (event: MediaEvent) => void,
    private readonly log: (message: string) => void = () => undefined,
    /** A session the worker closed by itself: the API forgets it (its caps count down). */
    private readonly gone: (streamId: string, sessionId: string) => void = () => undefined,
  ) {}

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
        if (room?.isEmpty) this.rooms.delete(streamId);
        return true;
      }
      case 'endStream': {
        const room = this.rooms.get(request.streamId);
        if (!room) return { recording: null };
        this.rooms.delete(request.streamId);
        for (const [sessionId, streamId] of this.sessions)
          if (streamId === request.streamId) this.sessions.delete(sessionId);
        try {
          return { recording: await room.end(remuxProgress(request.streamId, this.log)) };
        } catch (error) {
          return {
            recording: null,
            recordingError: error instanceof Error ? error.message : String(error),
          };
        }
      }
      case 'stats':
        return {
          rooms: [...this.rooms.values()].map((room) => room.stats()),
          rssBytes: process.memoryUsage().rss,
          cpuMicros: process.cpuUsage().user + process.cpuUsage().system,
        } satisfies WorkerStats;
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.rooms.values()].map((room) => room.end()));
    this.rooms.clear();
    this.sessions.clear();
  }

  private room(streamId: string): StreamRoom {
    let room = this.rooms.get(streamId);
    if (!room) {
      room = new StreamRoom(streamId, this.options, this.emit, (sessionId) => {
        if (this.sessions.get(sessionId) !== streamId) return;
        this.sessions.delete(sessionId);
        this.gone(streamId, sessionId);
      });
      this.rooms.set(streamId, room);
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

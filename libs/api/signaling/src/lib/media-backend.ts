import type { MediaRequest, VideoLayerInfo } from '@finserve/api/media';

/**
 * The media layer behind signaling: the embedded SFU (MediaWorkers, the default) or an external
 * WHIP/WHEP media service (ExternalMediaBackend), chosen by MEDIA_BACKEND.
 */
export abstract class MediaBackend {
  /** Whether this backend records LIVE streams (the embedded SFU does). */
  abstract readonly records: boolean;
  /** Sends a request concerning one stream (publish/play answer with the SDP answer). */
  abstract request(streamId: string, request: MediaRequest): Promise<unknown>;
  /** Closes every media session of an ended stream; the embedded SFU returns its recording. */
  abstract endStream(streamId: string): Promise<unknown>;

  /** The video layers the publisher of a stream sends now, highest first. */
  async videoLayers(streamId: string): Promise<VideoLayerInfo[]> {
    return (await this.request(streamId, { op: 'layers', streamId })) as VideoLayerInfo[];
  }

  private readonly goneListeners: ((streamId: string, sessionId: string) => void)[] = [];

  /**
   * Called when the media layer closed a session by itself (never connected, peer gone, publisher
   * replaced), so signaling forgets it.
   */
  onSessionGone(listener: (streamId: string, sessionId: string) => void): void {
    this.goneListeners.push(listener);
  }

  protected sessionGone(streamId: string, sessionId: string): void {
    for (const listener of this.goneListeners) listener(streamId, sessionId);
  }
}

export class MediaRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

import { AppConfig, type EventBus } from '@finserve/api/core';
import type { MediaEvent, MediaRequest } from '@finserve/api/media';

import { MediaBackend, MediaRequestError } from './media-backend';
import { mediaChannel } from './media-workers.service';

const TIMEOUT_MS = 10_000;

interface Resource {
  streamId: string;
  /** The session resource the service gave in Location (PATCH for trickle ICE, DELETE to end). */
  url: string;
}

/**
 * An external WHIP/WHEP media service in place of the embedded SFU (MEDIA_BACKEND=external):
 * MediaMTX, a cloud WHIP/WHEP service, or another finserve-live API instance. The platform keeps
 * authorization (who may publish or play, session ownership); offers go to the service's WHIP
 * endpoint (publish) or WHEP endpoint (play) with MEDIA_EXTERNAL_TOKEN as bearer, the answer comes
 * back to the client, trickle ICE goes as a PATCH and closing as a DELETE on the session resource.
 * The service does its own recording (the platform has none for these streams); of the media
 * events only STREAM_ENDED exists here (publisher restarts and keyframe hints stay in the service).
 */
@Injectable()
export class ExternalMediaBackend extends MediaBackend implements OnApplicationShutdown {
  readonly records = false;
  private readonly logger = new Logger(ExternalMediaBackend.name);
  private readonly resources = new Map<string, Resource>();

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EventBus,
  ) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.resources.keys()].map((id) => this.close(id)));
  }

  async request(streamId: string, request: MediaRequest): Promise<unknown> {
    switch (request.op) {
      case 'publish':
      case 'play':
        return this.offer(request.op, streamId, request.sessionId, request.sdp);
      case 'candidate':
        return this.trickle(request.sessionId, request.candidate, request.sdpMid);
      case 'close':
        return this.close(request.sessionId);
      case 'endStream':
        return this.endStream(streamId);
      case 'stats':
        return { sessions: this.resources.size };
      // The service chooses layers itself; WHEP has no layer switch and no report of layers.
      case 'setQuality':
        return false;
      case 'layers':
        return [];
      // Relays between the embedded SFU's workers: not a thing of an external service.
      case 'feedOut':
      case 'feedIn':
      case 'unfeed':
        throw new MediaRequestError(`${request.op} is internal to the embedded SFU`, undefined);
    }
  }

  async endStream(streamId: string): Promise<undefined> {
    const ids = [...this.resources].filter(([, r]) => r.streamId === streamId).map(([id]) => id);
    await Promise.all(ids.map((id) => this.close(id)));
    // Viewers' clients learn it as with the embedded SFU (the service's own events stay there).
    await this.bus.publish(mediaChannel(streamId), {
      type: 'STREAM_ENDED',
      streamId,
    } satisfies MediaEvent);
    return undefined;
  }

  private async offer(
    op: 'publish' | 'play',
    streamId: string,
    sessionId: string,
    sdp: string,
  ): Promise<string> {
    const template =
      op === 'publish' ? this.config.MEDIA_EXTERNAL_WHIP_URL : this.config.MEDIA_EXTERNAL_WHEP_URL;
    if (!template) throw new Error('MEDIA_EXTERNAL_WHIP_URL/WHEP_URL are not configured');
    const endpoint = template.replaceAll('{streamId}', encodeURIComponent(streamId));
    const response = await this.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', accept: 'application/sdp' },
      body: sdp,
    });
    const text = await response.text();
    if (response.status === 400 || response.status === 406 || response.status === 422) {
      throw new MediaRequestError(
        `The media service refused the offer: ${text.slice(0, 200)}`,
        'BAD_SDP',
      );
    }
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`media service answered ${op} with HTTP ${response.status}`);
    }
    const location = response.headers.get('location');
    if (location)
      this.resources.set(sessionId, { streamId, url: new URL(location, endpoint).toString() });
    return text;
  }

  /** Trickle ICE (RFC 9725 section 4.3): a PATCH with an SDP fragment; 405 means no trickle. */
  private async trickle(sessionId: string, candidate: string, sdpMid: string | null) {
    const resource = this.resources.get(sessionId);
    if (!resource) throw new MediaRequestError('no such media session', 'NO_SESSION');
    const line = candidate.startsWith('a=') ? candidate : `a=${candidate}`;
    const fragment = `${sdpMid === null ? '' : `a=mid:${sdpMid}\r\n`}${line}\r\n`;
    const response = await this.fetch(resource.url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/trickle-ice-sdpfrag' },
      body: fragment,
    });
    await response.body?.cancel();
    if (!response.ok && response.status !== 405 && response.status !== 501)
      throw new Error(`media service answered a candidate with HTTP ${response.status}`);
    return undefined;
  }

  private async close(sessionId: string): Promise<undefined> {
    const resource = this.resources.get(sessionId);
    if (!resource) return undefined;
    this.resources.delete(sessionId);
    try {
      const response = await this.fetch(resource.url, { method: 'DELETE' });
      await response.body?.cancel();
    } catch (error) {
      this.logger.warn(
        `closing media session ${sessionId} at the media service failed: ${(error as Error).message}`,
      );
    }
    return undefined;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.config.MEDIA_EXTERNAL_TOKEN)
      headers.set('authorization', `Bearer ${this.config.MEDIA_EXTERNAL_TOKEN}`);
    try {
      return await fetch(url, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // The URL and token stay in the log only; clients get INTERNAL_SERVER_ERROR.
      throw new Error(`media service unreachable: ${(error as Error).message}`);
    }
  }
}

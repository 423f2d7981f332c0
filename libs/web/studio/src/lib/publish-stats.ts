import { Injectable, signal } from '@angular/core';

import {
  outboundLayerRows,
  outboundLayerSamplesOf,
  videoHealth,
  videoSampleOf,
  type MediaSessionHandle,
  type OutboundLayerRow,
  type OutboundLayerSample,
  type RtcVideoHealth,
  type RtcVideoSample,
} from '@finserve/web/media';

/** The health tile: the outgoing video's bitrate and frame rate, and its connection. */
export interface PublishHealth extends RtcVideoHealth {
  connection: RTCPeerConnectionState | 'idle';
}

const IDLE: PublishHealth = { bitrateKbps: 0, fps: 0, connection: 'idle' };

/**
 * The health of one reading (pure: unit-tested). Simulcast: the bitrate is all layers together,
 * the frame rate that of the fastest layer (the frames of three layers added up would be three
 * times the camera's); without layers, that of the whole.
 */
export function publishHealth(
  figures: RtcVideoHealth,
  rows: readonly OutboundLayerRow[],
  connection: RTCPeerConnectionState,
): PublishHealth {
  const fps = rows.length > 0 ? Math.max(...rows.map((row) => row.fps)) : figures.fps;
  return { ...figures, fps, connection };
}

/**
 * The statistics of the console's outgoing video (provided by the studio page, fed by
 * `StudioPublisher`): the health tile's figures and the simulcast layers sent, highest first,
 * each rate measured between two readings of the same session.
 */
@Injectable()
export class PublishStats {
  readonly health = signal<PublishHealth>(IDLE);
  /** The simulcast layers sent, highest first (empty when not publishing). */
  readonly layers = signal<OutboundLayerRow[]>([]);

  private lastSample?: RtcVideoSample;
  private lastLayers: OutboundLayerSample[] = [];

  /** A new session: its rates are measured from its own first reading. */
  restart(): void {
    this.lastSample = undefined;
    this.lastLayers = [];
  }

  /** The session's connection changed state: the tile says so before the next reading. */
  connectionChanged(connection: RTCPeerConnectionState): void {
    this.health.update((health) => ({ ...health, connection }));
  }

  /** One reading of `session`'s statistics; none (not publishing): idle, no layers. */
  async sample(session: MediaSessionHandle | undefined): Promise<void> {
    if (!session) {
      this.health.set(IDLE);
      this.layers.set([]);
      return;
    }
    const report = await session.pc.getStats();
    const at = performance.now();
    const sample = videoSampleOf(report, 'outbound', at);
    const figures = videoHealth(this.lastSample, sample);
    this.lastSample = sample;
    const layers = outboundLayerSamplesOf(report, at);
    const rows = outboundLayerRows(this.lastLayers, layers);
    this.lastLayers = layers;
    this.layers.set(rows);
    this.health.set(publishHealth(figures, rows, session.pc.connectionState));
  }
}

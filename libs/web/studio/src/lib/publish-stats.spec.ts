import type { MediaSessionHandle, OutboundLayerRow } from '@finserve/web/media';

import { publishHealth, PublishStats } from './publish-stats';

const row = (rid: string, fps: number): OutboundLayerRow => ({
  rid,
  quality: null,
  width: 0,
  height: 0,
  fps,
  bitrateKbps: 0,
  limitedBy: null,
  active: true,
});

describe('publishHealth', () => {
  it('takes the frame rate of the fastest layer, not the layers added up', () => {
    expect(
      publishHealth(
        { bitrateKbps: 900, fps: 60 },
        [row('f', 20), row('h', 30), row('q', 10)],
        'connected',
      ),
    ).toEqual({ bitrateKbps: 900, fps: 30, connection: 'connected' });
  });

  it('keeps the whole video frame rate without simulcast layers', () => {
    expect(publishHealth({ bitrateKbps: 500, fps: 25 }, [], 'connecting')).toEqual({
      bitrateKbps: 500,
      fps: 25,
      connection: 'connecting',
    });
  });
});

describe('PublishStats', () => {
  /** A session whose every reading finds 40 more frames and 100 kB more in layer `q`. */
  const session = (connectionState: RTCPeerConnectionState = 'connected') => {
    let readings = 0;
    return {
      pc: {
        connectionState,
        getStats: () => {
          readings++;
          return Promise.resolve(
            new Map([
              [
                'q',
                {
                  type: 'outbound-rtp',
                  kind: 'video',
                  rid: 'q',
                  frameWidth: 320,
                  frameHeight: 180,
                  framesEncoded: 40 * readings,
                  bytesSent: 100_000 * readings,
                },
              ],
            ]),
          );
        },
      },
    } as unknown as MediaSessionHandle;
  };

  it('is idle with no layers when nothing is published', async () => {
    const stats = new PublishStats();
    await stats.sample(session());
    await stats.sample(undefined);
    expect(stats.health()).toEqual({ bitrateKbps: 0, fps: 0, connection: 'idle' });
    expect(stats.layers()).toEqual([]);
  });

  it('measures rates between two readings, from scratch for a new session', async () => {
    const stats = new PublishStats();
    const first = session();
    await stats.sample(first);
    expect(stats.health().fps).toBe(0);
    expect(stats.layers().map((layer) => [layer.rid, layer.width, layer.height])).toEqual([
      ['q', 320, 180],
    ]);
    await stats.sample(first);
    expect(stats.health().bitrateKbps).toBeGreaterThan(0);

    stats.restart();
    await stats.sample(session());
    expect(stats.health()).toMatchObject({ bitrateKbps: 0, fps: 0, connection: 'connected' });
  });

  it('shows a change of connection state before the next reading', () => {
    const stats = new PublishStats();
    stats.connectionChanged('disconnected');
    expect(stats.health()).toEqual({ bitrateKbps: 0, fps: 0, connection: 'disconnected' });
  });
});

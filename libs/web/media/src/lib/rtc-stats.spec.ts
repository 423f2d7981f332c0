import {
  inboundVideoSampleOf,
  outboundLayerRows,
  outboundLayerSamplesOf,
  playbackStats,
  videoHealth,
  videoSampleOf,
} from './rtc-stats';

describe('videoHealth', () => {
  it('computes kbps and fps between two readings', () => {
    expect(
      videoHealth({ at: 1000, bytes: 0, frames: 0 }, { at: 3000, bytes: 250_000, frames: 60 }),
    ).toEqual({ bitrateKbps: 1000, fps: 30 });
  });

  it('reports zero without an earlier reading or when the counters reset', () => {
    expect(videoHealth(undefined, { at: 1, bytes: 10, frames: 1 })).toEqual({
      bitrateKbps: 0,
      fps: 0,
    });
    expect(
      videoHealth({ at: 0, bytes: 5000, frames: 50 }, { at: 1000, bytes: 0, frames: 0 }),
    ).toEqual({ bitrateKbps: 0, fps: 0 });
  });
});

/** A stats report as the browser gives it: entries by id. */
const report = (...entries: Record<string, unknown>[]) =>
  new Map(
    entries.map((entry, i) => [typeof entry['id'] === 'string' ? entry['id'] : `${i}`, entry]),
  );

describe('videoSampleOf', () => {
  it('adds up every video layer of the direction asked, ignoring audio', () => {
    const stats = report(
      { type: 'outbound-rtp', kind: 'video', rid: 'q', bytesSent: 100, framesEncoded: 3 },
      { type: 'outbound-rtp', kind: 'video', rid: 'f', bytesSent: 900, framesEncoded: 3 },
      { type: 'outbound-rtp', kind: 'audio', bytesSent: 5000 },
      { type: 'inbound-rtp', kind: 'video', bytesReceived: 7, framesDecoded: 1 },
    );
    expect(videoSampleOf(stats, 'outbound', 5)).toEqual({ at: 5, bytes: 1000, frames: 6 });
    expect(videoSampleOf(stats, 'inbound', 5)).toEqual({ at: 5, bytes: 7, frames: 1 });
  });
});

describe('playbackStats', () => {
  const viewer = (at: number, extra: Record<string, unknown>) =>
    inboundVideoSampleOf(
      report(
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
        { id: 'P1', type: 'candidate-pair', currentRoundTripTime: 0.5 },
        { id: 'P2', type: 'candidate-pair', currentRoundTripTime: 0.0424 },
        { id: 'A', type: 'inbound-rtp', kind: 'audio', packetsLost: 999, packetsReceived: 1 },
        {
          id: 'V',
          type: 'inbound-rtp',
          kind: 'video',
          frameWidth: 1280,
          frameHeight: 720,
          jitter: 0.0123,
          ...extra,
        },
      ),
      at,
    );

  it('reads resolution, fps, kbps, loss, jitter and the round trip of the pair in use', () => {
    const before = viewer(1000, {
      bytesReceived: 1_000_000,
      framesDecoded: 300,
      packetsReceived: 1000,
      packetsLost: 10,
    });
    const after = viewer(2000, {
      bytesReceived: 1_250_000,
      framesDecoded: 330,
      packetsReceived: 1198,
      packetsLost: 12,
    });
    if (!after) throw new Error('no video');
    expect(playbackStats(before, after)).toEqual({
      width: 1280,
      height: 720,
      fps: 30,
      bitrateKbps: 2000,
      packetLossPercent: 1, // 2 lost of 200 expected in that second
      jitterMs: 12,
      rttMs: 42,
    });
  });

  it('counts loss since the start on a first reading, and knows no RTT without a pair', () => {
    const first = inboundVideoSampleOf(
      report({ type: 'inbound-rtp', kind: 'video', packetsReceived: 95, packetsLost: 5 }),
      0,
    );
    if (!first) throw new Error('no video');
    expect(playbackStats(undefined, first)).toMatchObject({
      fps: 0,
      bitrateKbps: 0,
      packetLossPercent: 5,
      rttMs: null,
    });
  });

  it('finds the nominated pair when the transport names none (Firefox)', () => {
    const sample = inboundVideoSampleOf(
      report(
        { type: 'candidate-pair', nominated: true, state: 'failed', currentRoundTripTime: 1 },
        { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.02 },
        { type: 'inbound-rtp', kind: 'video' },
      ),
      0,
    );
    expect(sample?.roundTripTime).toBe(0.02);
  });

  it('has nothing to say before any video arrives', () => {
    expect(inboundVideoSampleOf(report({ type: 'inbound-rtp', kind: 'audio' }), 0)).toBeUndefined();
  });
});

describe('outboundLayerRows', () => {
  const layer = (rid: string, extra: Record<string, unknown> = {}) => ({
    type: 'outbound-rtp',
    kind: 'video',
    rid,
    ...extra,
  });

  it('gives one row per simulcast layer, highest first, with its figures and its limit', () => {
    const before = outboundLayerSamplesOf(
      report(
        layer('q', { bytesSent: 0, framesEncoded: 0 }),
        layer('h', { bytesSent: 0, framesEncoded: 0 }),
        layer('f', { bytesSent: 0, framesEncoded: 0 }),
      ),
      0,
    );
    const after = outboundLayerSamplesOf(
      report(
        layer('q', { bytesSent: 37_500, framesEncoded: 60, frameWidth: 320, frameHeight: 180 }),
        layer('h', {
          bytesSent: 150_000,
          framesEncoded: 60,
          frameWidth: 640,
          frameHeight: 360,
          qualityLimitationReason: 'cpu',
        }),
        layer('f', {
          bytesSent: 500_000,
          framesEncoded: 40,
          frameWidth: 1280,
          frameHeight: 720,
          qualityLimitationReason: 'bandwidth',
        }),
        { type: 'outbound-rtp', kind: 'audio', bytesSent: 1 },
      ),
      2000,
    );
    expect(outboundLayerRows(before, after)).toEqual([
      {
        rid: 'f',
        quality: 'HIGH',
        width: 1280,
        height: 720,
        fps: 20,
        bitrateKbps: 2000,
        limitedBy: 'bandwidth',
        active: true,
      },
      {
        rid: 'h',
        quality: 'MEDIUM',
        width: 640,
        height: 360,
        fps: 30,
        bitrateKbps: 600,
        limitedBy: 'cpu',
        active: true,
      },
      {
        rid: 'q',
        quality: 'LOW',
        width: 320,
        height: 180,
        fps: 30,
        bitrateKbps: 150,
        limitedBy: null,
        active: true,
      },
    ]);
  });

  it('says nothing of "other" limits and shows a paused layer as not active', () => {
    const rows = outboundLayerRows(
      [],
      outboundLayerSamplesOf(
        report(layer('f', { active: false, qualityLimitationReason: 'other' })),
        0,
      ),
    );
    expect(rows).toEqual([expect.objectContaining({ rid: 'f', limitedBy: null, active: false })]);
  });
});

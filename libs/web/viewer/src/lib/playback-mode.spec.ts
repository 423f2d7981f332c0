import {
  cannotConnect,
  failureOfPlayError,
  FALLBACK_AFTER_FAILURES,
  hlsEngineOf,
  playbackOf,
  type PlaybackSituation,
} from './playback-mode';

const URL = '/hls/s1/index.m3u8';
const situation = (changes: Partial<PlaybackSituation> = {}): PlaybackSituation => ({
  stableChosen: false,
  failure: null,
  failuresInARow: 0,
  playedWebRtc: false,
  hlsUrl: URL,
  engine: 'hlsjs',
  ...changes,
});

describe('hlsEngineOf', () => {
  it('uses hls.js wherever MediaSource exists, even when the browser claims HLS (Chrome says "maybe")', () => {
    expect(hlsEngineOf({ mediaSource: true, nativeHls: true })).toBe('hlsjs');
    expect(hlsEngineOf({ mediaSource: true, nativeHls: false })).toBe('hlsjs');
  });

  it("uses the browser's own player without MediaSource (iPhone Safari), else nothing", () => {
    expect(hlsEngineOf({ mediaSource: false, nativeHls: true })).toBe('native');
    expect(hlsEngineOf({ mediaSource: false, nativeHls: false })).toBeNull();
  });
});

describe('failureOfPlayError / cannotConnect', () => {
  it('takes RATE_LIMITED (every media node full) for "cannot connect", other codes not', () => {
    expect(failureOfPlayError('RATE_LIMITED')).toBe('full');
    expect(failureOfPlayError('NETWORK')).toBe('error');
    expect(failureOfPlayError('CONFLICT')).toBe('error');
    expect(cannotConnect('full')).toBe(true);
    expect(cannotConnect('unreachable')).toBe(true);
    expect(cannotConnect('lost')).toBe(false);
    expect(cannotConnect('error')).toBe(false);
    expect(cannotConnect(null)).toBe(false);
  });
});

describe('playbackOf', () => {
  it('plays WebRTC by default', () => {
    expect(playbackOf(situation())).toEqual({ mode: 'webrtc' });
  });

  it('plays HLS when the viewer picks "Stable"', () => {
    expect(playbackOf(situation({ stableChosen: true }))).toEqual({
      mode: 'hls',
      reason: 'chosen',
      url: URL,
      engine: 'hlsjs',
    });
    expect(playbackOf(situation({ stableChosen: true, engine: 'native' }))).toMatchObject({
      mode: 'hls',
      engine: 'native',
    });
  });

  it('falls back to HLS at once when a first connection is refused (nodes full) or never connects', () => {
    for (const failure of ['full', 'unreachable'] as const) {
      expect(playbackOf(situation({ failure, failuresInARow: 1 }))).toEqual({
        mode: 'hls',
        reason: 'fallback',
        url: URL,
        engine: 'hlsjs',
      });
    }
  });

  it('keeps reconnecting WebRTC after a lost connection or another error', () => {
    for (const failure of ['lost', 'error'] as const) {
      expect(playbackOf(situation({ failure, failuresInARow: 0 }))).toEqual({ mode: 'webrtc' });
      expect(playbackOf(situation({ failure, failuresInARow: 9, playedWebRtc: true }))).toEqual({
        mode: 'webrtc',
      });
    }
  });

  it('gives a viewer who was watching WebRTC a few tries before falling back', () => {
    for (let n = 1; n < FALLBACK_AFTER_FAILURES; n++) {
      expect(
        playbackOf(situation({ failure: 'full', failuresInARow: n, playedWebRtc: true })),
      ).toEqual({ mode: 'webrtc' });
    }
    expect(
      playbackOf(
        situation({
          failure: 'unreachable',
          failuresInARow: FALLBACK_AFTER_FAILURES,
          playedWebRtc: true,
        }),
      ),
    ).toMatchObject({ mode: 'hls', reason: 'fallback' });
  });

  it('stays on WebRTC when the stream has no HLS or the browser cannot play it', () => {
    for (const changes of [{ hlsUrl: null }, { engine: null }] as const) {
      expect(playbackOf(situation({ ...changes, stableChosen: true }))).toEqual({
        mode: 'webrtc',
      });
      expect(playbackOf(situation({ ...changes, failure: 'full', failuresInARow: 1 }))).toEqual({
        mode: 'webrtc',
      });
    }
  });
});

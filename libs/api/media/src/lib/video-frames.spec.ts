import { h264KeyframeStart, keyframeStart, spsDimensions, vp8KeyframeStart } from './video-frames';

// Real bitstreams made with ffmpeg (libx264 / libvpx) from a 1280x720, 640x360 and 320x180 source.
const SPS_HIGH_720P = Buffer.from('6764001facd9405005bb0110000003001000000303c0f1831960', 'hex');
const SPS_BASELINE_360P = Buffer.from('6742c01ed900a02ff970110000030001000003003c0f162e48', 'hex');
const VP8_KEYFRAME_180P = Buffer.from('3051009d012a4001b400', 'hex');

describe('video frames read from RTP payloads', () => {
  it('reads the picture size of H.264 sequence parameter sets (cropping applied)', () => {
    expect(spsDimensions(SPS_HIGH_720P)).toEqual({ width: 1280, height: 720 });
    expect(spsDimensions(SPS_BASELINE_360P)).toEqual({ width: 640, height: 360 });
    expect(spsDimensions(Buffer.from('67', 'hex'))).toEqual({});
  });

  it('finds H.264 keyframes in single NAL units, STAP-A and FU-A starts', () => {
    const pps = Buffer.from('68cb', 'hex');
    const stapA = Buffer.concat([
      Buffer.from([24]),
      Buffer.from([0, SPS_HIGH_720P.length]),
      SPS_HIGH_720P,
      Buffer.from([0, pps.length]),
      pps,
    ]);
    expect(h264KeyframeStart(stapA)).toEqual({ width: 1280, height: 720 });
    expect(h264KeyframeStart(Buffer.from([0x65, 0x88]))).toEqual({});
    expect(h264KeyframeStart(Buffer.from([0x7c, 0x85, 0x00]))).toEqual({}); // FU-A start of IDR
    expect(h264KeyframeStart(Buffer.from([0x7c, 0x05, 0x00]))).toBeUndefined(); // continuation
    expect(h264KeyframeStart(Buffer.from([0x41, 0x9a]))).toBeUndefined(); // P slice
    expect(keyframeStart('video/H264', SPS_BASELINE_360P)).toEqual({ width: 640, height: 360 });
  });

  it('finds VP8 keyframes and their size behind the payload descriptor', () => {
    expect(vp8KeyframeStart(Buffer.concat([Buffer.from([0x10]), VP8_KEYFRAME_180P]))).toEqual({
      width: 320,
      height: 180,
    });
    // Extended descriptor with a 15-bit picture id (as browsers send).
    const extended = Buffer.concat([Buffer.from([0x90, 0x80, 0x81, 0x23]), VP8_KEYFRAME_180P]);
    expect(keyframeStart('video/VP8', extended)).toEqual({ width: 320, height: 180 });
    // An interframe (inverse key frame bit set), and a packet that is not a partition start.
    expect(vp8KeyframeStart(Buffer.from([0x10, 0x31, 0x51, 0x00]))).toBeUndefined();
    expect(
      vp8KeyframeStart(Buffer.concat([Buffer.from([0x00]), VP8_KEYFRAME_180P])),
    ).toBeUndefined();
  });
});

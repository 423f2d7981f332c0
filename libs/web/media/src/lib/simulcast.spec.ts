import { preferH264, simulcastEncodings, withStereoOpus } from './simulcast';

describe('simulcastEncodings', () => {
  it('sends a camera as three layers, low to high: 180p/360p/720p at 150k/600k/2.5M, 30 fps', () => {
    expect(simulcastEncodings('camera')).toEqual([
      { rid: 'q', active: true, scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 30 },
      { rid: 'h', active: true, scaleResolutionDownBy: 2, maxBitrate: 600_000, maxFramerate: 30 },
      { rid: 'f', active: true, scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 30 },
    ]);
  });

  it('keeps a shared screen at its full resolution on top, with more bits for its text', () => {
    const [low, medium, high] = simulcastEncodings('screen');
    expect(high).toMatchObject({ rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 4_000_000 });
    expect(medium).toMatchObject({ rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 1_000_000 });
    expect(low).toMatchObject({ rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 300_000 });
  });
});

const offer = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  '',
].join('\r\n');

describe('withStereoOpus', () => {
  it("adds stereo=1 to Opus's fmtp and leaves the other payloads alone", () => {
    const munged = withStereoOpus(offer);
    expect(munged).toContain('a=fmtp:111 minptime=10;useinbandfec=1;stereo=1\r\n');
    expect(munged).toContain('a=fmtp:63 111/111\r\n');
    expect(munged.split('\r\n')).toHaveLength(offer.split('\r\n').length);
  });

  it('does not add stereo twice, and replaces stereo=0', () => {
    expect(withStereoOpus(withStereoOpus(offer))).toBe(withStereoOpus(offer));
    const mono = offer.replace('useinbandfec=1', 'useinbandfec=1;stereo=0');
    expect(withStereoOpus(mono)).toContain('a=fmtp:111 minptime=10;useinbandfec=1;stereo=1\r\n');
  });

  it('gives an Opus payload without fmtp a line of its own, right after its rtpmap', () => {
    const bare = offer.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
    expect(withStereoOpus(bare)).toContain('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 stereo=1\r\n');
  });

  it('returns an offer without Opus unchanged', () => {
    const video = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n';
    expect(withStereoOpus(video)).toBe(video);
  });
});

describe('preferH264', () => {
  const chrome = [
    { mimeType: 'video/VP8' },
    { mimeType: 'video/rtx', sdpFmtpLine: 'apt=96' },
    {
      mimeType: 'video/H264',
      sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
    },
    {
      mimeType: 'video/H264',
      sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
    },
    {
      mimeType: 'video/H264',
      sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    },
    { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
  ];

  it('puts constrained-baseline H.264 in packetization mode 1 first, then other H.264, then the rest in order', () => {
    expect(preferH264(chrome).map((c) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`)).toEqual([
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
      'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
      'video/VP8 ',
      'video/rtx apt=96',
      'video/VP9 profile-id=0',
    ]);
  });

  it('leaves a list without H.264 as it is', () => {
    const noH264 = chrome.filter((c) => c.mimeType !== 'video/H264');
    expect(preferH264(noH264)).toEqual(noH264);
  });
});

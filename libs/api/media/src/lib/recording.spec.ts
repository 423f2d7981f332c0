import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';
import { RtpHeader, RtpPacket, type MediaStreamTrack } from 'werift';

import { carriesH264ParameterSets, StreamRecording } from './recording';

describe('carriesH264ParameterSets', () => {
  const sps = [0x67, 0x42, 0xe0, 0x1f];
  const pps = [0x68, 0xce, 0x3c, 0x80];

  it('finds an SPS sent alone or inside a STAP-A aggregate (how browsers send keyframes)', () => {
    expect(carriesH264ParameterSets(Buffer.from(sps))).toBe(true);
    const stapA = Buffer.from([0x78, 0x00, pps.length, ...pps, 0x00, sps.length, ...sps]);
    expect(carriesH264ParameterSets(stapA)).toBe(true);
  });

  it('refuses delta frames, IDR fragments without parameter sets and truncated aggregates', () => {
    expect(carriesH264ParameterSets(Buffer.from([0x41, 0x9a, 0x00]))).toBe(false); // non-IDR slice
    expect(carriesH264ParameterSets(Buffer.from([0x7c, 0x85, 0x88]))).toBe(false); // FU-A of an IDR
    expect(carriesH264ParameterSets(Buffer.from([0x78, 0x00, pps.length, ...pps]))).toBe(false);
    expect(carriesH264ParameterSets(Buffer.from([0x78, 0x00]))).toBe(false);
    expect(carriesH264ParameterSets(Buffer.alloc(0))).toBe(false);
  });
});

describe('StreamRecording: the publisher RTP packaged as fragmented MP4, then a seekable file', () => {
  /** A 16x16 VP8 keyframe and a delta frame, as libvpx writes them. */
  const VP8_KEYFRAME = Buffer.from(
    '7002009d012a10001000390500011c240c2c2c442c2440100000606ac0feffab5080',
    'hex',
  );
  const VP8_DELTA = Buffer.from('110300e34bd80467af104f4fae8f2fde3f801fc06160bfd000200000', 'hex');
  /** Parameter sets of a 1280x720 constrained-baseline stream, as Chromium's OpenH264 sends them. */
  const SPS = Buffer.from('6742c01f8c8d402802dd350606060784423500', 'hex');
  const PPS = Buffer.from('68ce3c80', 'hex');

  const track = (mimeType: string, clockRate: number) =>
    ({ codec: { mimeType, clockRate } }) as unknown as MediaStreamTrack;

  const packet = (
    payloadType: number,
    ssrc: number,
    sequenceNumber: number,
    timestamp: number,
    marker: boolean,
    payload: Buffer,
  ) =>
    new RtpPacket(new RtpHeader({ payloadType, ssrc, sequenceNumber, timestamp, marker }), payload);

  /** VP8 frame -> RTP payloads of at most 20 bytes (descriptor S=1 on the first). */
  const vp8Payloads = (frame: Buffer) => {
    const out: Buffer[] = [];
    for (let at = 0; at < frame.length; at += 20)
      out.push(Buffer.concat([Buffer.of(at === 0 ? 0x10 : 0x00), frame.subarray(at, at + 20)]));
    return out;
  };

  /** H.264 picture -> STAP-A of SPS+PPS on keyframes, then the slice. */
  const h264Payloads = (keyframe: boolean, frame: number) => [
    ...(keyframe
      ? [Buffer.concat([Buffer.of(0x78, 0, SPS.length), SPS, Buffer.of(0, PPS.length), PPS])]
      : []),
    Buffer.concat([Buffer.of(keyframe ? 0x65 : 0x41), Buffer.alloc(300, frame & 0xff)]),
  ];

  const tracksOf = (codec: 'vp8' | 'h264') =>
    new Map([
      ['video', track(codec === 'vp8' ? 'video/VP8' : 'video/H264', 90_000)],
      ['audio', track('audio/opus', 48_000)],
    ] as const);

  /**
   * Feeds frames [from, to) of 30 fps video (a keyframe every second) and 20 ms Opus packets
   * from one publisher session (`ssrc`, timestamps from `base`); `lose` drops one packet of frame
   * 40 (a delta frame: it and the rest of its GOP are left out).
   */
  function feed(
    recording: StreamRecording,
    codec: 'vp8' | 'h264',
    from: number,
    to: number,
    ssrc: number,
    base: number,
    lose = false,
  ) {
    const tracks = tracksOf(codec);
    let sequence = from * 4;
    for (let i = from; i < to; i++) {
      const timestamp = (base + i * 3000) >>> 0;
      const keyframe = i % 30 === 0;
      const payloads =
        codec === 'vp8'
          ? vp8Payloads(keyframe ? VP8_KEYFRAME : VP8_DELTA)
          : h264Payloads(keyframe, i);
      payloads.forEach((payload, p) => {
        const seq = sequence++;
        if (lose && i === 40 && p === 1) return;
        recording.write(
          'video',
          packet(96, ssrc, seq, timestamp, p === payloads.length - 1, payload),
          tracks,
        );
      });
      for (let a = Math.floor((i * 50) / 30); a < Math.floor(((i + 1) * 50) / 30); a++)
        recording.write(
          'audio',
          packet(111, ssrc + 1, a, (base + a * 960) >>> 0, false, Buffer.of(0xf8, a)),
          tracks,
        );
    }
  }

  /** What a finished recording holds, read back with mediabunny. */
  async function inspect(path: string) {
    const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
    try {
      const video = await input.getPrimaryVideoTrack();
      const audio = await input.getPrimaryAudioTrack();
      let frames = 0;
      let keyframes = 0;
      if (video)
        for await (const sample of new EncodedPacketSink(video).packets()) {
          frames++;
          if (sample.type === 'key') keyframes++;
        }
      return {
        format: (await input.getFormat()).name,
        video: video && {
          codec: video.codec,
          width: video.codedWidth,
          height: video.codedHeight,
          frames,
          keyframes,
        },
        audio: audio && { codec: audio.codec, seconds: await audio.computeDuration() },
      };
    } finally {
      input.dispose();
    }
  }

  /**
   * `seconds` of a stream whose publisher restarts (new SSRC, new timestamps) half way, at a
   * keyframe as a publisher that comes back does (the SFU asks it for one).
   */
  async function record(codec: 'vp8' | 'h264', seconds: number, lose = false) {
    const directory = mkdtempSync(join(tmpdir(), 'finserve-recording-'));
    const recording = new StreamRecording(directory, 'stream');
    const restart = 30 * Math.floor(seconds / 2);
    feed(recording, codec, 0, restart, 0x1111, 5_000, lose);
    feed(recording, codec, restart, seconds * 30, 0x2222, 777_000, lose);
    const result = await recording.finish();
    if (!result) throw new Error('nothing recorded');
    return {
      result,
      ...(await inspect(result.path)),
      leftovers: readdirSync(directory).filter((name) => name.includes('.live.')),
    };
  }

  it('VP8 + Opus: a WebM with every frame and the audio, continuous across a publisher restart', async () => {
    const { result, format, video, audio, leftovers } = await record('vp8', 4);
    expect(result.path).toMatch(/stream\.webm$/);
    expect(format).toBe('WebM');
    expect(video).toEqual({ codec: 'vp8', width: 16, height: 16, frames: 120, keyframes: 4 });
    expect(audio?.codec).toBe('opus');
    expect(audio?.seconds).toBeGreaterThan(3.8);
    expect(result.durationSeconds).toBeGreaterThan(3.9);
    expect(result.durationSeconds).toBeLessThan(4.2);
    expect(leftovers).toEqual([]);
  });

  it('H.264 + Opus: a fast-start MP4 sized from the SPS', async () => {
    const { result, format, video, audio } = await record('h264', 3);
    expect(result.path).toMatch(/stream\.mp4$/);
    expect(format).toBe('MP4');
    expect(video).toEqual({ codec: 'avc', width: 1280, height: 720, frames: 90, keyframes: 3 });
    expect(audio?.codec).toBe('opus');
    expect(result.durationSeconds).toBeGreaterThan(2.9);
    expect(result.durationSeconds).toBeLessThan(3.2);
  });

  it('leaves out a frame with a lost packet and the rest of its GOP, and goes on at the next keyframe', async () => {
    const { video, result } = await record('vp8', 4, true);
    // Frame 40 lost: frames 40-59 are left out (they depend on it), 60 is a keyframe.
    expect(video?.frames).toBe(100);
    expect(video?.keyframes).toBe(4);
    expect(result.durationSeconds).toBeGreaterThan(3.9);
  });

  it('goes on with the live file a node that died left (the stream moved here): one recording across the move', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'finserve-recording-'));
    // Node A records 3 s, then dies: what its writer had flushed stays, plus half a fragment.
    const first = new StreamRecording(directory, 'moved');
    feed(first, 'vp8', 0, 90, 0x1111, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its writes reach the file
    const live = join(directory, 'moved.live.mp4');
    appendFileSync(live, Buffer.from('0000100066726167', 'hex')); // a box the crash cut
    // Node B: the publisher comes back, 2 s of it.
    const second = new StreamRecording(directory, 'moved');
    feed(second, 'vp8', 0, 60, 0x2222, 900_000);
    const result = await second.finish();
    if (!result) throw new Error('nothing recorded');
    const { video } = await inspect(result.path);
    // A's whole fragments (its last GOP was still in memory: 60 of its 90 frames), then B's 60.
    expect(video?.frames).toBe(120);
    expect(video?.keyframes).toBe(4);
    expect(result.durationSeconds).toBeGreaterThan(3.9);
    expect(result.durationSeconds).toBeLessThan(4.5);
    expect(readdirSync(directory)).toEqual(['moved.webm']);
  });

  it('turns the live file a node that died left into the recording when nothing came here', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'finserve-recording-'));
    const first = new StreamRecording(directory, 'orphan');
    feed(first, 'h264', 0, 90, 0x1111, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await new StreamRecording(directory, 'orphan').finish();
    expect(result?.path).toMatch(/orphan\.mp4$/);
    expect((await inspect(result?.path ?? '')).video?.frames).toBe(60);
  });

  it('records nothing before a first keyframe, and says so', async () => {
    const recording = new StreamRecording(mkdtempSync(join(tmpdir(), 'finserve-recording-')), 's');
    const tracks = new Map([['video', track('video/VP8', 90_000)]] as const);
    recording.write(
      'video',
      packet(96, 1, 1, 0, true, Buffer.concat([Buffer.of(0x10), VP8_DELTA])),
      tracks,
    );
    expect(await recording.finish()).toBeNull();
  });
});

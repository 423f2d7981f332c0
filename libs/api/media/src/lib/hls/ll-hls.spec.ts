import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';

import { H264Depacketizer, opusPacketSamples, type H264Frame } from './depacketize';
import {
  HlsAudio,
  HlsRendition,
  HlsTimeline,
  multivariantPlaylist,
  type SegmentStore,
} from './ll-hls';

/** Parameter sets of a 1280x720 constrained-baseline stream, as Chromium's OpenH264 sends them. */
const SPS = Buffer.from('6742c01f8c8d402802dd350606060784423500', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');

function rtp(
  sequence: number,
  timestamp: number,
  marker: boolean,
  payload: Uint8Array,
): Uint8Array {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | 102;
  packet.writeUInt16BE(sequence & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(0x1234, 8);
  packet.set(payload, 12);
  return packet;
}

/** A picture as Chrome packetizes it: STAP-A of SPS+PPS on keyframes, the slice in FU-A. */
function packets(sequence: number, timestamp: number, keyframe: boolean, sliceSize = 3000) {
  const out: Uint8Array[] = [];
  if (keyframe) {
    const stap = Buffer.concat([
      Buffer.of(0x78),
      Buffer.from([0, SPS.length]),
      SPS,
      Buffer.from([0, PPS.length]),
      PPS,
    ]);
    out.push(stap);
  }
  const nalHeader = keyframe ? 0x65 : 0x41;
  const body = Buffer.alloc(sliceSize, 0xab);
  const chunks = Math.ceil(sliceSize / 1000);
  for (let i = 0; i < chunks; i++) {
    const start = i === 0 ? 0x80 : 0;
    const end = i === chunks - 1 ? 0x40 : 0;
    out.push(
      Buffer.concat([
        Buffer.of((nalHeader & 0xe0) | 28, start | end | (nalHeader & 0x1f)),
        body.subarray(i * 1000, (i + 1) * 1000),
      ]),
    );
  }
  return out.map((payload, i) => rtp(sequence + i, timestamp, i === out.length - 1, payload));
}

describe('H264Depacketizer', () => {
  it('reassembles STAP-A and FU-A into access units, parameter sets apart', () => {
    const frames: H264Frame[] = [];
    const depacketizer = new H264Depacketizer((f) => frames.push(f));
    for (const p of packets(100, 9000, true)) depacketizer.push(p);
    for (const p of packets(104, 12000, false, 1500)) depacketizer.push(p);
    expect(frames).toHaveLength(2);
    expect(frames[0].keyframe).toBe(true);
    expect(Buffer.from(frames[0].sps ?? [])).toEqual(SPS);
    expect(Buffer.from(frames[0].pps ?? [])).toEqual(PPS);
    expect(frames[0].nalUnits).toHaveLength(1);
    expect(frames[0].nalUnits[0].length).toBe(3001); // NAL header + slice
    expect(frames[1].keyframe).toBe(false);
    expect(frames[1].timestamp).toBe(12000);
  });

  it('drops a picture with a lost packet, asks for a keyframe and waits for it', () => {
    const frames: H264Frame[] = [];
    let losses = 0;
    const depacketizer = new H264Depacketizer(
      (f) => frames.push(f),
      () => losses++,
    );
    for (const p of packets(0, 0, true)) depacketizer.push(p);
    const broken = packets(4, 3000, false);
    depacketizer.push(broken[0]);
    depacketizer.push(broken[2]); // broken[1] lost
    for (const p of packets(7, 6000, false)) depacketizer.push(p); // intact, but not decodable
    for (const p of packets(10, 9000, true)) depacketizer.push(p);
    expect(frames.map((f) => f.timestamp)).toEqual([0, 9000]);
    expect(losses).toBe(1);
  });

  it('survives random bytes and truncated packets without throwing', () => {
    const frames: H264Frame[] = [];
    const depacketizer = new H264Depacketizer((f) => frames.push(f));
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(random() * 40);
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      if (length > 0) bytes[0] = 0x80 | (bytes[0] & 0x3f); // RTP version 2, sometimes
      expect(() => depacketizer.push(bytes)).not.toThrow();
    }
    for (const p of packets(5000, 1, true)) depacketizer.push(p.subarray(0, 14));
    expect(frames.every((f) => f.nalUnits.length > 0)).toBe(true);
  });

  it('reads Opus packet durations from the TOC byte', () => {
    expect(opusPacketSamples(Uint8Array.of(0xfc))).toBe(960); // CELT FB 20 ms, 1 frame
    expect(opusPacketSamples(Uint8Array.of(0x78 | 1))).toBe(1920); // SILK WB 20 ms... x2 frames
    expect(opusPacketSamples(Uint8Array.of((1 << 3) | 3, 3))).toBe(2880);
  });
});

describe('HlsRendition', () => {
  const written: { msn: number; bytes: number }[] = [];
  const store: SegmentStore = {
    write: (_rendition, msn, parts) =>
      written.push({ msn, bytes: parts.reduce((n, p) => n + p.length, 0) }),
    remove: () => undefined,
  };

  /** 30 fps for `seconds`, a keyframe every 2 s, 20 ms Opus packets; returns the rendition. */
  function run(seconds: number, windowS = 1800) {
    const timeline = new HlsTimeline(0);
    const rendition = new HlsRendition('f', timeline, store, windowS, true);
    const audio = new HlsAudio(timeline);
    const depacketizer = new H264Depacketizer((frame) => rendition.video(frame, now));
    let now = 0;
    let sequence = 0;
    for (let i = 0; i < seconds * 30; i++) {
      now = (i * 1000) / 30;
      const keyframe = i % 60 === 0;
      for (const p of packets(sequence, 1000 + i * 3000, keyframe)) depacketizer.push(p);
      sequence += keyframe ? 4 : 3;
      for (let a = Math.floor((i * 50) / 30); a < Math.floor(((i + 1) * 50) / 30); a++)
        rendition.audio(
          audio.sample(7, 500 + a * 960, 960, Uint8Array.of(0xfc, a & 0xff), (a * 1000) / 50),
        );
    }
    return rendition;
  }

  it('cuts 2 s segments at keyframes into parts of 1/3 s (10 frames at 30 fps), the first of each independent', () => {
    const rendition = run(9);
    const complete = rendition.segments.filter((s) => s.complete);
    expect(complete.length).toBe(4);
    for (const segment of complete) {
      expect(segment.duration).toBeCloseTo(2, 1);
      expect(segment.parts[0].independent).toBe(true);
      expect(segment.parts.slice(1).every((p) => !p.independent)).toBe(true);
      expect(segment.parts.map((p) => p.duration.toFixed(3))).toEqual(Array(6).fill('0.333'));
    }
    expect(rendition.width).toBe(1280);
    expect(rendition.height).toBe(720);
    expect(rendition.codecs).toBe('avc1.42c01f,opus');
  });

  it('writes playlists with the LL-HLS tags, delta updates and rendition reports', () => {
    const rendition = run(40);
    const other = run(3);
    const full = rendition.playlist(false, [rendition, other]);
    expect(full).toContain(
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=24',
    );
    expect(full).toContain('#EXT-X-PART-INF:PART-TARGET=0.5');
    expect(full).toContain('#EXT-X-MAP:URI="init0.mp4"');
    expect(full).toMatch(/#EXT-X-PART:DURATION=0\.\d+,URI="p19\.0\.m4s",INDEPENDENT=YES/);
    expect(full).toMatch(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p19\.\d+\.m4s"/);
    expect(full).toContain('#EXT-X-RENDITION-REPORT:URI="../f/index.m3u8",LAST-MSN=1');
    expect(full).toContain('s0.m4s');
    // Parts only for the last segments.
    expect(full).not.toContain('p0.0.m4s');
    const delta = rendition.playlist(true, [rendition]);
    const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(delta)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(6);
    expect(delta).not.toContain('\ns0.m4s');
    expect(delta.length).toBeLessThan(full.length);
  });

  it('tells where a part dropped from memory lies in its stored segment, for players far behind', () => {
    const kept = new Map<number, Uint8Array[]>();
    const timeline = new HlsTimeline(0);
    const rendition = new HlsRendition(
      'f',
      timeline,
      { write: (_r, msn, parts) => kept.set(msn, [...parts]), remove: () => undefined },
      1800,
      true,
    );
    const depacketizer = new H264Depacketizer((frame) => rendition.video(frame, 0));
    let sequence = 0;
    for (let i = 0; i < 20 * 30; i++) {
      const keyframe = i % 60 === 0;
      for (const p of packets(sequence, 1000 + i * 3000, keyframe)) depacketizer.push(p);
      sequence += keyframe ? 4 : 3;
    }
    const stored = kept.get(1);
    expect(stored?.length).toBe(6);
    expect(rendition.part(1, 2)).toBeUndefined(); // no longer in memory
    const file = Buffer.concat(stored ?? []);
    for (let index = 0; index < 6; index++) {
      const range = rendition.evictedPart(1, index);
      expect(range).toBeDefined();
      const { offset, length } = range ?? { offset: 0, length: 0 };
      expect(
        Buffer.compare(
          file.subarray(offset, offset + length),
          stored?.[index] ?? new Uint8Array(0),
        ),
      ).toBe(0);
    }
    expect(rendition.evictedPart(1, 6)).toBeUndefined();
    const live = rendition.segments.at(-1)?.msn ?? 0;
    expect(rendition.evictedPart(live, 0)).toBeUndefined(); // in memory: part() serves it
  });

  it('drops segments past the DVR window from the playlist and the store', () => {
    const rendition = run(30, 10);
    expect(rendition.segments[0].msn).toBeGreaterThan(8);
    expect(
      (rendition.segments.at(-1)?.start ?? 0) - rendition.segments[0].start,
    ).toBeLessThanOrEqual(10);
    expect(rendition.playlist(false, [])).toMatch(/#EXT-X-MEDIA-SEQUENCE:(9|1\d)/);
  });

  it('produces fMP4 an MP4 reader takes: init + parts = H.264 and Opus tracks with every sample', async () => {
    const rendition = run(5);
    const segments = rendition.segments.filter((s) => s.complete);
    const file = Buffer.concat([
      rendition.inits.get(0) ?? new Uint8Array(0),
      ...segments.flatMap((s) => s.parts.map((p) => p.bytes)),
    ]);
    const input = new Input({ source: new BufferSource(file), formats: ALL_FORMATS });
    const video = await input.getPrimaryVideoTrack();
    const audio = await input.getPrimaryAudioTrack();
    expect(video?.codec).toBe('avc');
    expect(await video?.getCodecParameterString()).toBe('avc1.42c01f');
    expect(video?.displayWidth).toBe(1280);
    expect(audio?.codec).toBe('opus');
    let videoPackets = 0;
    let keyframes = 0;
    let last = -1;
    for await (const packet of new EncodedPacketSink(
      video as NonNullable<typeof video>,
    ).packets()) {
      videoPackets++;
      if (packet.type === 'key') keyframes++;
      expect(packet.timestamp).toBeGreaterThan(last);
      last = packet.timestamp;
    }
    expect(videoPackets).toBe(segments.length * 60);
    expect(keyframes).toBe(segments.length);
    let audioPackets = 0;
    for await (const packet of new EncodedPacketSink(
      audio as NonNullable<typeof audio>,
    ).packets()) {
      audioPackets++;
      expect(packet.duration).toBeCloseTo(0.02, 3);
    }
    expect(audioPackets).toBeGreaterThanOrEqual(segments.length * 100 - 5);
    expect(written.length).toBeGreaterThan(0);
  });

  it('lists the renditions highest first with their bandwidth, resolution and codecs', () => {
    const text = multivariantPlaylist([
      { key: 'q', width: 320, height: 180, codecs: 'avc1.42c01f,opus', kbps: 150, fps: 30 },
      { key: 'f', width: 1280, height: 720, codecs: 'avc1.42c01f,opus', kbps: 2500, fps: 30 },
    ]);
    expect(text.split('\n').filter((l) => l.endsWith('.m3u8'))).toEqual([
      'f/index.m3u8',
      'q/index.m3u8',
    ]);
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=3189000,AVERAGE-BANDWIDTH=2564000,RESOLUTION=1280x720,CODECS="avc1.42c01f,opus",FRAME-RATE=30.000',
    );
  });
});

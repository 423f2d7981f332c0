import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useVP8,
  Vp8Packetizer,
  Vp8RtpPayload,
  type RTCRtpReceiver,
} from 'werift';

/**
 * WebRTC test clients (werift): a publisher of synthetic VP8 + Opus (decodable 16x16 VP8 frames,
 * the bytes werift's own dummy media uses; a keyframe on every PLI) and a subscriber that counts
 * what it receives. Non-trickle: offers carry every candidate.
 */
const VP8_KEYFRAME = Buffer.from(
  '7002009d012a10001000390500011c240c2c2c442c2440100000606ac0feffab5080',
  'hex',
);
const VP8_DELTA = Buffer.from('110300e34bd80467af104f4fae8f2fde3f801fc06160bfd000200000', 'hex');
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
/** H.264 (constrained baseline, 1280x720) parameter sets as Chromium's encoder sends them. */
const H264_SPS = Buffer.from('6742c01f8c8d402802dd350606060784423500', 'hex');
const H264_PPS = Buffer.from('68ce3c80', 'hex');

function peer(codec: 'vp8' | 'h264' = 'vp8'): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [useOPUS({ payloadType: 111 })],
      video: [
        codec === 'h264'
          ? useH264({ payloadType: 102, rtcpFeedback: [useNACK(), usePLI()] })
          : useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI()] }),
      ],
    },
  });
}

async function offer(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }
  return pc.localDescription?.sdp ?? '';
}

/**
 * `codec: 'h264'` sends H.264 access units the SFU and the LL-HLS packager take as Chromium's
 * (SPS/PPS in a STAP-A before each IDR slice, then single-NAL P slices): not decodable pictures,
 * but real H.264 framing, for the media plane's routing and packaging.
 */
export class SyntheticPublisher {
  readonly pc: RTCPeerConnection;
  private readonly video = new MediaStreamTrack({ kind: 'video' });
  private readonly audio = new MediaStreamTrack({ kind: 'audio' });
  readonly stats = { videoPackets: 0, keyframesSent: 0, pliReceived: 0 };
  private forceKeyframe = true;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly codec: 'vp8' | 'h264' = 'vp8') {
    this.pc = peer(codec);
  }

  async offer(): Promise<string> {
    const video = this.pc.addTransceiver(this.video, { direction: 'sendonly' });
    this.pc.addTransceiver(this.audio, { direction: 'sendonly' });
    video.sender.onPictureLossIndication.subscribe(() => {
      this.stats.pliReceived++;
      this.forceKeyframe = true;
    });
    return offer(this.pc);
  }

  async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** 30 fps video (a keyframe only on request or every 10 s), 50 Opus packets/s. */
  start(fps = 30): void {
    if (this.codec === 'h264') this.startH264(fps);
    else this.startVp8(fps);
    this.startAudio();
  }

  private startH264(fps: number): void {
    let sequence = 1;
    let frame = 0;
    let timestamp = 0;
    const send = (payload: Buffer, marker: boolean) => {
      this.video.writeRtp(
        new RtpPacket(
          new RtpHeader({
            payloadType: 102,
            sequenceNumber: sequence,
            timestamp,
            ssrc: 0x33333333,
            marker,
          }),
          payload,
        ),
      );
      sequence = (sequence + 1) & 0xffff;
      this.stats.videoPackets++;
    };
    this.timers.push(
      setInterval(() => {
        const key = this.forceKeyframe || frame % 300 === 0;
        this.forceKeyframe = false;
        if (key) {
          this.stats.keyframesSent++;
          const stap = Buffer.concat([
            Buffer.of(0x78),
            Buffer.from([0, H264_SPS.length]),
            H264_SPS,
            Buffer.from([0, H264_PPS.length]),
            H264_PPS,
          ]);
          send(stap, false);
          send(Buffer.concat([Buffer.of(0x65), Buffer.alloc(400, frame & 0xff)]), true);
        } else {
          send(Buffer.concat([Buffer.of(0x41), Buffer.alloc(120, frame & 0xff)]), true);
        }
        frame++;
        timestamp = (timestamp + 90000 / fps) >>> 0;
      }, 1000 / fps),
    );
  }

  private startVp8(fps: number): void {
    const packetizer = new Vp8Packetizer({
      payloadType: 96,
      ssrc: 0x11111111,
      maxPayloadSize: 1200,
    });
    let frame = 0;
    let timestamp = 0;
    this.timers.push(
      setInterval(() => {
        const key = this.forceKeyframe || frame % 300 === 0;
        this.forceKeyframe = false;
        if (key) this.stats.keyframesSent++;
        for (const packet of packetizer.packetize(key ? VP8_KEYFRAME : VP8_DELTA, timestamp)) {
          this.video.writeRtp(packet);
          this.stats.videoPackets++;
        }
        frame++;
        timestamp = (timestamp + 90000 / fps) >>> 0;
      }, 1000 / fps),
    );
  }

  private startAudio(): void {
    let sequence = 1000;
    let audioTimestamp = 0;
    this.timers.push(
      setInterval(() => {
        this.audio.writeRtp(
          new RtpPacket(
            new RtpHeader({
              payloadType: 111,
              sequenceNumber: sequence,
              timestamp: audioTimestamp,
              ssrc: 0x22222222,
              marker: false,
            }),
            OPUS_SILENCE,
          ),
        );
        sequence = (sequence + 1) & 0xffff;
        audioTimestamp = (audioTimestamp + 960) >>> 0;
      }, 20),
    );
  }

  async close(): Promise<void> {
    this.timers.forEach((timer) => clearInterval(timer));
    await this.pc.close();
  }
}

export class CountingSubscriber {
  readonly pc: RTCPeerConnection;
  readonly stats = { video: 0, audio: 0, keyframes: 0, connectedAt: -1, firstKeyframeAt: -1 };
  private readonly receivers: { receiver: RTCRtpReceiver; ssrc?: number }[] = [];

  /** `codec`: the one video codec it offers (H.264 to watch an H.264 publisher). */
  constructor(codec: 'vp8' | 'h264' = 'vp8') {
    this.pc = peer(codec);
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && this.stats.connectedAt < 0) this.stats.connectedAt = Date.now();
    });
    this.pc.ontrack = ({ track, receiver }) => {
      if (track.kind === 'video') this.receivers.push({ receiver, ssrc: track.ssrc });
      track.onReceiveRtp.subscribe((rtp) => {
        if (track.kind === 'audio') {
          this.stats.audio++;
          return;
        }
        this.stats.video++;
        if (Vp8RtpPayload.deSerialize(rtp.payload).isKeyframe) {
          this.stats.keyframes++;
          if (this.stats.firstKeyframeAt < 0) this.stats.firstKeyframeAt = Date.now();
        }
      });
    };
  }

  async offer(): Promise<string> {
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.addTransceiver('audio', { direction: 'recvonly' });
    return offer(this.pc);
  }

  async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

import {
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  type MediaStreamTrack,
  type RTCPeerConnection,
  type RtcpPacket,
  type RTCRtpReceiver,
  type RTCRtpTransceiver,
} from 'werift';

import { createPeer, gatheringComplete, type PeerOptions } from './peer-config';
import { MediaError, type MediaEvent, type RoomStats } from './protocol';
import { StreamRecording, type RecordingResult } from './recording';

type Kind = 'audio' | 'video';

interface PublishedTrack {
  track: MediaStreamTrack;
  receiver: RTCRtpReceiver;
}

interface Publisher {
  sessionId: string;
  pc: RTCPeerConnection;
  tracks: Map<Kind, PublishedTrack>;
}

interface Subscriber {
  pc: RTCPeerConnection;
  transceivers: Map<Kind, RTCRtpTransceiver>;
}

/** Minimum spacing of keyframe requests to the publisher; later ones are deferred, never dropped. */
const KEYFRAME_INTERVAL_MS = 500;
const FIR_FORMAT = 4;

/**
 * One stream on the SFU: at most one publisher, any number of subscribers. The publisher's
 * received tracks feed every subscriber's sender (`replaceTrack`), so a publisher that reconnects
 * (page reload, new WHIP session) replaces the source under the viewers' existing connections,
 * with a keyframe requested at once. Viewers never reach the publisher's machine.
 */
export class StreamRoom {
  private publisher?: Publisher;
  private readonly subscribers = new Map<string, Subscriber>();
  private lastKeyframeRequest = 0;
  private keyframeTimer?: NodeJS.Timeout;
  private readonly counters = { videoPacketsIn: 0, keyframeRequests: 0, nacksFromSubscribers: 0 };
  private readonly recording?: StreamRecording;

  constructor(
    readonly streamId: string,
    private readonly options: PeerOptions,
    private readonly emit: (event: MediaEvent) => void,
    /** A session this room closed by itself (not connected in time, peer gone, replaced). */
    private readonly gone: (sessionId: string) => void = () => undefined,
  ) {
    if (options.recordingDirectory)
      this.recording = new StreamRecording(options.recordingDirectory, streamId);
  }

  get isEmpty(): boolean {
    return !this.publisher && this.subscribers.size === 0;
  }

  hasSession(sessionId: string): boolean {
    return this.publisher?.sessionId === sessionId || this.subscribers.has(sessionId);
  }

  /** The streamer's offer (sendonly audio/video) -> the SFU's answer. */
  async publish(sessionId: string, sdp: string): Promise<string> {
    const pc = createPeer(this.options);
    const tracks = new Map<Kind, PublishedTrack>();
    const restarted = this.publisher !== undefined;
    pc.ontrack = ({ track, receiver }) => {
      const kind = track.kind as Kind;
      tracks.set(kind, { track, receiver });
      track.onReceiveRtp.subscribe((rtp) => {
        if (kind === 'video') this.counters.videoPacketsIn++;
        if (this.publisher?.pc === pc) {
          this.recording?.write(kind, rtp, new Map([...tracks].map(([k, t]) => [k, t.track])));
        }
      });
    };
    await this.negotiate(pc, sdp);
    const previous = this.publisher;
    this.publisher = { sessionId, pc, tracks };
    for (const subscriber of this.subscribers.values()) await this.attach(subscriber);
    if (previous) {
      await previous.pc.close();
      this.gone(previous.sessionId);
    }
    this.reapWhenAbandoned(sessionId, pc);
    pc.connectionStateChange.subscribe((state) => {
      if (this.publisher?.pc !== pc) return;
      if (state === 'connected') {
        this.emit({
          type: restarted ? 'PUBLISHER_RESTARTED' : 'PUBLISHER_CONNECTED',
          streamId: this.streamId,
          sessionId,
        });
        this.requestKeyframe();
      } else if (state === 'failed' || state === 'closed') {
        this.emit({ type: 'PUBLISHER_GONE', streamId: this.streamId, sessionId });
      }
    });
    return pc.localDescription?.sdp ?? '';
  }

  /** A viewer's offer (recvonly audio/video) -> the SFU's answer. */
  async play(sessionId: string, sdp: string): Promise<string> {
    const pc = createPeer(this.options);
    const subscriber: Subscriber = { pc, transceivers: new Map() };
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
    } catch (error) {
      await pc.close();
      throw new MediaError('BAD_SDP', `not a usable SDP offer: ${String(error)}`);
    }
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind as Kind;
      if (subscriber.transceivers.has(kind)) continue;
      transceiver.setDirection('sendonly');
      subscriber.transceivers.set(kind, transceiver);
      this.preferPublisherCodec(transceiver, kind);
      this.watchKeyframeRequests(transceiver);
    }
    await pc.setLocalDescription(await pc.createAnswer());
    // After the answer: the senders' codecs are the negotiated ones (H.264 parameters included),
    // which the publisher's track must match.
    await this.attach(subscriber);
    await gatheringComplete(pc);
    this.subscribers.set(sessionId, subscriber);
    this.reapWhenAbandoned(sessionId, pc);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        this.emit({ type: 'SESSION_CONNECTED', streamId: this.streamId, sessionId });
        // Chrome sends keyframes only on request: without one, a late viewer decodes nothing.
        this.requestKeyframe();
      }
    });
    return pc.localDescription?.sdp ?? '';
  }

  async addCandidate(sessionId: string, candidate: string, sdpMid: string | null): Promise<void> {
    const pc =
      this.publisher?.sessionId === sessionId
        ? this.publisher.pc
        : this.subscribers.get(sessionId)?.pc;
    if (!pc) throw new MediaError('NO_SESSION', 'no such media session');
    await pc.addIceCandidate({ candidate, sdpMid: sdpMid ?? undefined });
  }

  async close(sessionId: string): Promise<void> {
    if (this.publisher?.sessionId === sessionId) {
      const { pc } = this.publisher;
      this.publisher = undefined;
      await pc.close();
      this.emit({ type: 'PUBLISHER_GONE', streamId: this.streamId, sessionId });
      return;
    }
    const subscriber = this.subscribers.get(sessionId);
    if (!subscriber) return;
    this.subscribers.delete(sessionId);
    await subscriber.pc.close();
    this.emit({ type: 'SESSION_CLOSED', streamId: this.streamId, sessionId });
  }

  /**
   * Closes a session that has not connected (ICE + DTLS) within connectTimeoutMs of its answer,
   * or whose connection failed (werift fails it when the peer stops answering ICE consent checks,
   * RFC 7675) or was closed by the peer: its UDP socket, DTLS and SRTP state are freed and the API
   * forgets it. Sessions the room closes itself are no longer current and are left alone.
   */
  private reapWhenAbandoned(sessionId: string, pc: RTCPeerConnection): void {
    const reap = () => {
      clearTimeout(timer);
      const current =
        this.publisher?.sessionId === sessionId
          ? this.publisher.pc
          : this.subscribers.get(sessionId)?.pc;
      if (current !== pc) return;
      void this.close(sessionId).finally(() => this.gone(sessionId));
    };
    const timeoutMs = this.options.connectTimeoutMs;
    const timer = timeoutMs ? setTimeout(reap, timeoutMs) : undefined;
    timer?.unref();
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') clearTimeout(timer);
      // Closed under us (the peer's DTLS close_notify) or failed: the room lets it go.
      if (state === 'failed' || state === 'closed') reap();
    });
  }

  /** The stream ended: every connection closes; viewers' video stops; the recording is finalized. */
  async end(onRemuxProgress?: (fraction: number) => void): Promise<RecordingResult | null> {
    clearTimeout(this.keyframeTimer);
    const peers = [...[...this.subscribers.values()].map((s) => s.pc)];
    if (this.publisher) peers.push(this.publisher.pc);
    this.publisher = undefined;
    this.subscribers.clear();
    await Promise.allSettled(peers.map((pc) => pc.close()));
    this.emit({ type: 'STREAM_ENDED', streamId: this.streamId });
    return (await this.recording?.finish(onRemuxProgress)) ?? null;
  }

  stats(): RoomStats {
    return {
      streamId: this.streamId,
      publisher: this.publisher !== undefined,
      subscribers: this.subscribers.size,
      videoPacketsIn: this.counters.videoPacketsIn,
      keyframeRequests: this.counters.keyframeRequests,
      nacksFromSubscribers: this.counters.nacksFromSubscribers,
    };
  }

  /**
   * Asks the publisher for a keyframe (PLI), at most every 500 ms; a request inside that window
   * is sent at its end, so every joining viewer gets a keyframe.
   */
  requestKeyframe(): void {
    const wait = this.lastKeyframeRequest + KEYFRAME_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.keyframeTimer ??= setTimeout(() => {
        this.keyframeTimer = undefined;
        this.requestKeyframe();
      }, wait);
      return;
    }
    this.lastKeyframeRequest = Date.now();
    const video = this.publisher?.tracks.get('video');
    if (video?.track.ssrc === undefined) return;
    this.counters.keyframeRequests++;
    void video.receiver.sendRtcpPLI(video.track.ssrc).catch(() => undefined);
    this.emit({ type: 'KEYFRAME_REQUESTED', streamId: this.streamId });
  }

  private async negotiate(pc: RTCPeerConnection, sdp: string): Promise<void> {
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      // The publisher's preference wins (an encoder offering H.264 first gets H.264).
      const offered = offeredVideoCodec(sdp);
      for (const transceiver of pc.getTransceivers())
        if (offered && transceiver.kind === 'video') preferCodec(transceiver, offered);
      await pc.setLocalDescription(await pc.createAnswer());
    } catch (error) {
      await pc.close();
      throw new MediaError('BAD_SDP', `not a usable SDP offer: ${String(error)}`);
    }
    await gatheringComplete(pc);
  }

  /** Points a subscriber's senders at the current publisher's tracks. */
  private async attach(subscriber: Subscriber): Promise<void> {
    for (const [kind, transceiver] of subscriber.transceivers) {
      const source = this.publisher?.tracks.get(kind);
      if (source) await transceiver.sender.replaceTrack(source.track);
    }
  }

  /** Answer with the publisher's video codec, so what is forwarded is what the viewer decodes. */
  private preferPublisherCodec(transceiver: RTCRtpTransceiver, kind: Kind): void {
    const codec = this.publisher?.tracks.get(kind)?.track.codec;
    if (codec && kind === 'video') preferCodec(transceiver, codec.mimeType);
  }

  /** PLI/FIR from a viewer -> keyframe request to the publisher; NACKs are repaired by werift. */
  private watchKeyframeRequests(transceiver: RTCRtpTransceiver): void {
    const { sender, receiver } = transceiver;
    sender.onPictureLossIndication.subscribe(() => this.requestKeyframe());
    sender.onGenericNack.subscribe(() => this.counters.nacksFromSubscribers++);
    const inspect = (rtcp: RtcpPacket) => {
      if (rtcp.type !== RtcpPayloadSpecificFeedback.type) return;
      const { feedback } = rtcp;
      if (feedback.count === FIR_FORMAT) this.requestKeyframe();
      // werift routes PSFB by sender SSRC first: a PLI can arrive on the receiver side.
      else if (feedback.count === PictureLossIndication.count && feedback.mediaSsrc === sender.ssrc)
        this.requestKeyframe();
    };
    sender.onRtcp.subscribe(inspect);
    receiver.onRtcp.subscribe(inspect);
  }
}

/** Narrows a transceiver to one codec (and its RTX), when both sides support it. */
function preferCodec(transceiver: RTCRtpTransceiver, mimeType: string): void {
  const all = transceiver.codecs.length ? transceiver.codecs : [];
  const primary = all.find((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
  if (!primary) return;
  transceiver.setCodecPreferences(
    all.filter((c) => c === primary || c.parameters === `apt=${primary.payloadType}`),
  );
}

const FORWARDED_VIDEO = new Set(['vp8', 'h264']);

/** The first video codec of an offer that the SFU forwards (offer order = the sender's preference). */
export function offeredVideoCodec(sdp: string): string | undefined {
  const section = /^m=video \d+ \S+ ([\d ]+)\r?$/m.exec(sdp);
  if (!section) return undefined;
  for (const payloadType of section[1].trim().split(/\s+/)) {
    const rtpmap = new RegExp(`^a=rtpmap:${payloadType} ([\\w-]+)/`, 'm').exec(sdp);
    const name = rtpmap?.[1].toLowerCase();
    if (name && FORWARDED_VIDEO.has(name)) return `video/${rtpmap?.[1] ?? ''}`;
  }
  return undefined;
}

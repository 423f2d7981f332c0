import {
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  RtpPacket,
  type MediaStreamTrack,
  type RTCPeerConnection,
  type RtcpPacket,
  type RTCRtpReceiver,
  type RTCRtpTransceiver,
} from 'werift';

import { FastRtpSender } from './fast-sender';
import { qualitiesFor, type AllocatorLayer } from './layer-allocator';
import { afterGathering, createPeer, gatheringComplete, type PeerOptions } from './peer-config';
import {
  MediaError,
  type MediaEvent,
  type RoomStats,
  type VideoLayerInfo,
  type VideoQuality,
} from './protocol';
import { StreamRecording, type RecordingResult } from './recording';
import type { RelayCodec, RelayDown } from './relay-feed';
import { SourceLayer, VideoDownTrack } from './simulcast';
import { ArrivalClock, TwccFeedback } from './twcc-feedback';

type Kind = 'audio' | 'video';

interface PublishedTrack {
  track: MediaStreamTrack;
  receiver: RTCRtpReceiver;
}

interface Publisher {
  sessionId: string;
  pc: RTCPeerConnection;
  tracks: Map<Kind, PublishedTrack>;
  /** Its video layers: one per simulcast rid, or one without simulcast. */
  layers: Map<string, SourceLayer>;
}

interface Subscriber {
  pc: RTCPeerConnection;
  transceivers: Map<Kind, RTCRtpTransceiver>;
  video?: VideoDownTrack;
  audio?: FastRtpSender;
  /** A new audio source (publisher) starts: renumber from the last packet sent. */
  audioRestart?: boolean;
}

/**
 * Where a source room's feed goes (other workers' rooms, other nodes): `wanted` says whether
 * anyone consumes it, so a room nobody relays builds no messages.
 */
export interface RoomFeed {
  wanted(): boolean;
  send(message: RelayDown): void;
}

/** A room fed by a relay: its codecs and layers come from the feed's meta. */
interface RelaySource {
  video?: RelayCodec;
  audio?: RelayCodec;
  layers: Map<string, SourceLayer>;
  /** Asks the source for a keyframe of one layer, or of all. */
  requestKeyframe(layerKey?: string): void;
}

/** Sends a packet of the publisher's audio to one viewer. */
function forwardAudio(subscriber: Subscriber, rtp: RtpPacket): void {
  const sender = subscriber.transceivers.get('audio')?.sender;
  if (!sender) return;
  if (subscriber.audioRestart) {
    subscriber.audioRestart = false;
    sender.replaceRTP(rtp.header, false, 960);
  }
  if (subscriber.audio?.sender !== sender) subscriber.audio = new FastRtpSender(sender);
  subscriber.audio.send(rtp);
}

/**
 * The packet as the SFU forwards it: without the publisher's header extensions. Their ids are
 * the publisher's session's, not the viewer's, and werift keeps a forwarded packet's extension
 * over its own of the same id: the publisher's transport-wide sequence numbers (counting every
 * layer and the audio) would reach the viewer, whose feedback would then report the layers it
 * does not get as lost; the publisher's mid could misroute. werift adds the viewer's own.
 */
function withoutHeaderExtensions(rtp: RtpPacket): RtpPacket {
  const copy = rtp.clone();
  copy.header.extensions = [];
  return copy;
}

/**
 * The bandwidth estimate a browser publisher starts from (kbit/s; Chrome's default is 300): with
 * it Chrome's first probes go to 3 and 6 Mbps and a 720p layer is on within seconds, instead of
 * climbing from 300 kbps at 8 % a second when the first probe falls short.
 */
const PUBLISHER_START_KBPS = 1000;

/** How often the room samples layer rates and lets each viewer's allocator decide. */
const TICK_MS = 500;

/** Minimum spacing of keyframe requests to the publisher; later ones are deferred, never dropped. */
const KEYFRAME_INTERVAL_MS = 500;
const FIR_FORMAT = 4;

/**
 * One stream on the SFU: at most one publisher, any number of subscribers. The publisher's
 * received tracks feed every subscriber's sender (`replaceTrack`), so a publisher that reconnects
 * (page reload, new WHIP session) replaces the source under the viewers' existing connections,
 * with a keyframe requested at once. Viewers never reach the publisher's machine.
 *
 * The source of a room is its own publisher, or a relay (`relayFrom`): the source room of the
 * stream in another worker or node sends its packets, layers and figures down a feed, and
 * keyframe requests go up it. Viewers are served alike; a relayed room records nothing and
 * emits no publisher or keyframe events (its source room does), only its viewers' sessions'.
 */
export class StreamRoom {
  private publisher?: Publisher;
  private relay?: RelaySource;
  /** The upstream of a relayed room: set while a feed is attached, even before its meta. */
  private upstream?: (layerKey?: string) => void;
  /** Plays waiting for a relayed room's first meta (its codecs), woken when it arrives. */
  private metaWaiters = new Set<() => void>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly keyframeTimers = new Map<string, NodeJS.Timeout>();
  private readonly counters = { videoPacketsIn: 0, keyframeRequests: 0, nacksFromSubscribers: 0 };
  private recording?: StreamRecording;
  /** The layer the recording takes (the highest sent), switched at its keyframes. */
  private recorded?: SourceLayer;
  private recordPending?: SourceLayer;
  private readonly layerKeyframeAt = new Map<string, number>();
  private readonly ticker: NodeJS.Timeout;
  private ticks = 0;
  private switchesOfGone = 0;

  constructor(
    readonly streamId: string,
    private readonly options: PeerOptions,
    private readonly emit: (event: MediaEvent) => void,
    /** A session this room closed by itself (not connected in time, peer gone, replaced). */
    private readonly gone: (sessionId: string) => void = () => undefined,
    /** Consumers of this room's publisher's feed (relayed rooms elsewhere). */
    private readonly feed?: RoomFeed,
    /** Top layers the worker sheds for every viewer while it is overloaded (load-governor.ts). */
    private readonly layersShed: () => number = () => 0,
  ) {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get isEmpty(): boolean {
    return !this.publisher && this.subscribers.size === 0;
  }

  hasSession(sessionId: string): boolean {
    return this.publisher?.sessionId === sessionId || this.subscribers.has(sessionId);
  }

  /** The streamer's offer (sendonly audio/video) -> the SFU's answer. */
  async publish(sessionId: string, sdp: string): Promise<string> {
    // Only the room of the publisher records (relayed rooms of the stream never do).
    if (this.options.recordingDirectory && !this.recording)
      this.recording = new StreamRecording(this.options.recordingDirectory, this.streamId);
    const pc = createPeer(this.options);
    const tracks = new Map<Kind, PublishedTrack>();
    const layers = new Map<string, SourceLayer>();
    const restarted = this.publisher !== undefined;
    const videoCodec = () => tracks.get('video')?.track.codec?.mimeType ?? '';
    const current = () => this.publisher?.pc === pc;
    const recordingTracks = () => new Map([...tracks].map(([k, t]) => [k, t.track]));
    /** Every packet of a video layer: counted, forwarded to the viewers on it, recorded. */
    const watchLayer = (track: MediaStreamTrack, key: string, rid: string | null) => {
      const layer = new SourceLayer(key, rid, videoCodec);
      layers.set(key, layer);
      track.onReceiveRtp.subscribe((rtp) => {
        this.counters.videoPacketsIn++;
        const keyframe = layer.receive(rtp);
        if (!current()) return;
        if (layer.keyframeWanted) {
          layer.keyframeWanted = false;
          this.requestKeyframe(layer);
        }
        const forwarded = withoutHeaderExtensions(rtp);
        for (const subscriber of this.subscribers.values())
          subscriber.video?.forward(layer, forwarded, keyframe);
        if (this.feed?.wanted())
          this.feed.send({ type: 'video', layer: key, keyframe, rtp: forwarded.serialize() });
        this.record(layer, rtp, keyframe, recordingTracks);
      });
    };
    /** A track known after the answer (its first packet): relayed rooms get the new meta. */
    const metaChanged = () => {
      const meta = current() ? this.feedMeta() : undefined;
      if (meta && this.feed?.wanted()) this.feed.send(meta);
    };
    pc.ontrack = ({ track, receiver }) => {
      const kind = track.kind as Kind;
      tracks.set(kind, { track, receiver });
      queueMicrotask(metaChanged);
      if (kind === 'audio') {
        track.onReceiveRtp.subscribe((rtp) => {
          if (!current()) return;
          this.recording?.write('audio', rtp, recordingTracks());
          const forwarded = withoutHeaderExtensions(rtp);
          for (const subscriber of this.subscribers.values()) forwardAudio(subscriber, forwarded);
          if (this.feed?.wanted()) this.feed.send({ type: 'audio', rtp: forwarded.serialize() });
        });
        return;
      }
      // Simulcast: one track per rid (werift made them at negotiation); else this one track.
      const ridTracks = receiver.tracks.filter((t) => t.rid);
      if (ridTracks.length === 0) watchLayer(track, 'main', null);
      else for (const t of ridTracks) if (t.rid && !layers.has(t.rid)) watchLayer(t, t.rid, t.rid);
    };
    await this.negotiate(pc, sdp);
    installTwccFeedback(pc, sdp);
    const previous = this.publisher;
    this.publisher = { sessionId, pc, tracks, layers };
    this.recorded = undefined;
    this.recordPending = undefined;
    for (const subscriber of this.subscribers.values()) this.attach(subscriber);
    const meta = this.feedMeta();
    if (meta && this.feed?.wanted()) this.feed.send(meta);
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
        this.feed?.send({ type: 'publisher', state: restarted ? 'restarted' : 'connected' });
        this.requestKeyframe();
      } else if (state === 'failed' || state === 'closed') {
        this.emit({ type: 'PUBLISHER_GONE', streamId: this.streamId, sessionId });
        this.feed?.send({ type: 'publisher', state: 'gone' });
      }
    });
    return withStartBitrate(withStereoOpus(pc.localDescription?.sdp ?? ''), PUBLISHER_START_KBPS);
  }

  /** A viewer's offer (recvonly audio/video) -> the SFU's answer. */
  async play(sessionId: string, sdp: string, quality: VideoQuality = 'AUTO'): Promise<string> {
    // A room fed by a relay learns the publisher's codecs from the feed's first message: the
    // answer must name that codec (H.264 or VP8), so a viewer arriving first waits for it a little.
    if (!this.publisher && this.upstream && !this.relay) await this.relayMeta(2000);
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
      this.watchKeyframeRequests(transceiver, () => subscriber.video);
    }
    await pc.setLocalDescription(await pc.createAnswer());
    const video = subscriber.transceivers.get('video');
    if (video) {
      subscriber.video = new VideoDownTrack(video.sender, quality, (layer) =>
        this.requestKeyframe(layer),
      );
      this.allocate(subscriber.video);
    }
    // After the answer: the senders' codecs are the negotiated ones (H.264 parameters included),
    // which the publisher's track must match.
    this.attach(subscriber);
    await gatheringComplete(pc);
    afterGathering(pc, this.options);
    this.subscribers.set(sessionId, subscriber);
    this.reapWhenAbandoned(sessionId, pc);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        this.emit({ type: 'SESSION_CONNECTED', streamId: this.streamId, sessionId });
        // Chrome sends keyframes only on request: without one, a late viewer decodes nothing.
        this.requestKeyframe();
      }
    });
    return withStereoOpus(pc.localDescription?.sdp ?? '');
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
      this.feed?.send({ type: 'publisher', state: 'gone' });
      return;
    }
    const subscriber = this.subscribers.get(sessionId);
    if (!subscriber) return;
    this.subscribers.delete(sessionId);
    subscriber.video?.stop();
    this.switchesOfGone += subscriber.video?.switches ?? 0;
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

  /** Stops the room's timers (an empty room the worker forgets; `end` does it too). */
  dispose(): void {
    for (const timer of this.keyframeTimers.values()) clearTimeout(timer);
    this.keyframeTimers.clear();
    clearInterval(this.ticker);
  }

  /** The stream ended: every connection closes; viewers' video stops; the recording is finalized. */
  async end(
    onRemuxProgress?: (fraction: number) => void,
    /** Another worker's room of the stream tells the bus it ended (one event per stream). */
    quiet = false,
  ): Promise<RecordingResult | null> {
    for (const timer of this.keyframeTimers.values()) clearTimeout(timer);
    clearInterval(this.ticker);
    const peers = [...[...this.subscribers.values()].map((s) => s.pc)];
    if (this.publisher) peers.push(this.publisher.pc);
    this.publisher = undefined;
    for (const subscriber of this.subscribers.values()) subscriber.video?.stop();
    this.subscribers.clear();
    await Promise.allSettled(peers.map((pc) => pc.close()));
    if (!quiet) this.emit({ type: 'STREAM_ENDED', streamId: this.streamId });
    return (await this.recording?.finish(onRemuxProgress)) ?? null;
  }

  stats(): RoomStats {
    return {
      streamId: this.streamId,
      publisher: this.publisher !== undefined,
      relayed: !this.publisher && this.upstream !== undefined,
      subscribers: this.subscribers.size,
      videoPacketsIn: this.counters.videoPacketsIn,
      keyframeRequests: this.counters.keyframeRequests,
      nacksFromSubscribers: this.counters.nacksFromSubscribers,
      layerSwitches:
        this.switchesOfGone +
        [...this.subscribers.values()].reduce((sum, s) => sum + (s.video?.switches ?? 0), 0),
      videoLayers: this.videoLayers(),
    };
  }

  /** The layers the publisher sends now, highest first. */
  videoLayers(): VideoLayerInfo[] {
    const active = this.activeLayers();
    const qualities = qualitiesFor(active.length);
    return active.map((layer, i) => ({
      quality: qualities[i],
      rid: layer.rid,
      width: layer.width,
      height: layer.height,
      framesPerSecond: layer.framesPerSecond,
      bitrateKbps: layer.bitrateKbps,
    }));
  }

  /** A viewer's layer choice (AUTO adapts again); false for a session that is not a viewer's. */
  setQuality(sessionId: string, quality: VideoQuality): boolean {
    const video = this.subscribers.get(sessionId)?.video;
    if (!video) {
      if (this.publisher?.sessionId === sessionId) return false;
      throw new MediaError('NO_SESSION', 'no such media session');
    }
    video.allocator.setQuality(quality, Date.now());
    this.allocate(video);
    return true;
  }

  /** The layers of the room's source: its publisher's, or the relay's. */
  private sourceLayers(): Iterable<SourceLayer> {
    return (this.publisher ?? this.relay)?.layers.values() ?? [];
  }

  private activeLayers(): SourceLayer[] {
    const layers = [...this.sourceLayers()].filter((l) => l.active);
    return layers.sort((a, b) => b.height - a.height || b.bitrateKbps - a.bitrateKbps);
  }

  /** Lets a viewer's allocator choose among the layers sent now, and moves it there. */
  private allocate(video: VideoDownTrack, withFeedback = false): void {
    const active = this.activeLayers();
    const qualities = qualitiesFor(active.length);
    const choices: AllocatorLayer[] = active.map((layer, i) => ({
      key: layer.key,
      quality: qualities[i],
      bitrateKbps: layer.bitrateKbps,
    }));
    const window = withFeedback ? video.takeWindow() : undefined;
    // An overloaded worker takes its top layers off every viewer's choices (load-governor.ts).
    const key = video.allocator.update(choices, Date.now(), window, this.layersShed());
    video.switchTo(
      active.find((l) => l.key === key),
      video.allocator.congested,
    );
    video.probe(video.allocator.probeKbps);
  }

  private tick(): void {
    const now = Date.now();
    if (++this.ticks % 2 === 0 && this.publisher) {
      const layers = [...this.publisher.layers.values()];
      for (const layer of layers) layer.sample(now);
      // Relayed rooms show and allocate on the figures sampled here.
      if (this.feed?.wanted())
        this.feed.send({
          type: 'layerStats',
          layers: layers.map((layer) => ({
            key: layer.key,
            width: layer.width,
            height: layer.height,
            fps: layer.framesPerSecond,
            kbps: layer.bitrateKbps,
            active: layer.active,
          })),
        });
    }
    for (const subscriber of this.subscribers.values())
      if (subscriber.video) this.allocate(subscriber.video, true);
  }

  /** The recording follows the highest layer sent, switching at its keyframes. */
  private record(
    layer: SourceLayer,
    rtp: RtpPacket,
    keyframe: boolean,
    tracks: () => Map<Kind, MediaStreamTrack>,
  ): void {
    if (!this.recording) return;
    const top = this.activeLayers()[0] ?? layer;
    if (top !== this.recorded && top !== this.recordPending) {
      this.recordPending = top;
      if (this.recorded) this.requestKeyframe(top);
    }
    if (layer === this.recordPending && keyframe) {
      this.recorded = layer;
      this.recordPending = undefined;
    }
    if (layer === this.recorded) this.recording.write('video', rtp, tracks());
  }

  /**
   * Asks the publisher for a keyframe (PLI) of one layer, or of every layer it sends; at most
   * every 500 ms per layer: a request inside that window is sent at its end, so every joining or
   * switching viewer gets its keyframe.
   */
  requestKeyframe(layer?: SourceLayer): void {
    const layers = layer ? [layer] : [...this.sourceLayers()];
    for (const target of layers) this.requestLayerKeyframe(target);
    // A relayed room that has no layers yet (no meta): the source sends keyframes of all.
    if (!layer && layers.length === 0 && !this.publisher) this.upstream?.();
  }

  /** A keyframe request from a consumer of the feed: one layer by key, or every layer. */
  requestKeyframeOf(layerKey?: string): void {
    if (layerKey === undefined) return this.requestKeyframe();
    const layer = (this.publisher ?? this.relay)?.layers.get(layerKey);
    if (layer) this.requestKeyframe(layer);
  }

  private requestLayerKeyframe(layer: SourceLayer): void {
    const last = this.layerKeyframeAt.get(layer.key) ?? 0;
    const wait = last + KEYFRAME_INTERVAL_MS - Date.now();
    if (wait > 0) {
      if (!this.keyframeTimers.has(layer.key)) {
        const timer = setTimeout(() => {
          this.keyframeTimers.delete(layer.key);
          this.requestLayerKeyframe(layer);
        }, wait);
        timer.unref();
        this.keyframeTimers.set(layer.key, timer);
      }
      return;
    }
    if (!this.publisher) {
      // A relayed room: the request goes up the feed (the source room throttles it again).
      if (this.relay?.layers.get(layer.key) !== layer) return;
      this.layerKeyframeAt.set(layer.key, Date.now());
      this.counters.keyframeRequests++;
      this.relay.requestKeyframe(layer.key);
      return;
    }
    const video = this.publisher.tracks.get('video');
    if (!video || this.publisher.layers.get(layer.key) !== layer) return;
    if (layer.ssrc === undefined) {
      layer.keyframeWanted = true;
      return;
    }
    this.layerKeyframeAt.set(layer.key, Date.now());
    this.counters.keyframeRequests++;
    void video.receiver.sendRtcpPLI(layer.ssrc).catch(() => undefined);
    this.emit({
      type: 'KEYFRAME_REQUESTED',
      streamId: this.streamId,
      detail: layer.rid ?? undefined,
    });
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
    afterGathering(pc, this.options);
  }

  /**
   * Points a subscriber's audio sender at the current publisher's audio track; its video is fed
   * packet by packet by its down-track (one layer at a time), which starts on a keyframe.
   */
  private attach(subscriber: Subscriber): void {
    // The next audio packet (of this publisher) continues the sequence the viewer had.
    subscriber.audioRestart = true;
    if (subscriber.video) {
      subscriber.video.current = undefined;
      this.allocate(subscriber.video);
    }
  }

  /** Answer with the publisher's video codec, so what is forwarded is what the viewer decodes. */
  private preferPublisherCodec(transceiver: RTCRtpTransceiver, kind: Kind): void {
    const codec = this.publisher
      ? this.publisher.tracks.get(kind)?.track.codec
      : kind === 'video'
        ? this.relay?.video
        : this.relay?.audio;
    if (codec && kind === 'video') preferCodec(transceiver, codec.mimeType);
  }

  /** The meta a consumer of this room's feed gets first (undefined without a publisher). */
  feedMeta(): Extract<RelayDown, { type: 'meta' }> | undefined {
    if (!this.publisher) return undefined;
    const codec = (kind: Kind): RelayCodec | undefined => {
      const found = this.publisher?.tracks.get(kind)?.track.codec;
      return found
        ? {
            mimeType: found.mimeType,
            clockRate: found.clockRate,
            payloadType: found.payloadType,
            channels: found.channels,
            parameters: found.parameters,
          }
        : undefined;
    };
    return {
      type: 'meta',
      video: codec('video'),
      audio: codec('audio'),
      layers: [...this.publisher.layers.values()].map(({ key, rid }) => ({ key, rid })),
    };
  }

  /**
   * Feeds the room from a relay (another worker's or node's source room): `upstream` takes its
   * keyframe requests. The room waits for the feed's meta; its viewers are attached then.
   */
  relayFrom(upstream: (layerKey?: string) => void): void {
    this.upstream = upstream;
    this.relay = undefined;
  }

  /** The relay stopped (source worker gone, ingest closed): viewers stay, waiting for a source. */
  relayEnded(): void {
    this.upstream = undefined;
    for (const layer of this.relay?.layers.values() ?? []) layer.halt();
    this.relay = undefined;
    for (const subscriber of this.subscribers.values())
      if (subscriber.video) this.allocate(subscriber.video);
  }

  private relayMeta(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.metaWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.metaWaiters.add(done);
    });
  }

  /** One message of the relay feed (ignored while the room has a publisher of its own). */
  ingest(message: RelayDown): void {
    const upstream = this.upstream;
    if (this.publisher || !upstream) return;
    switch (message.type) {
      case 'meta': {
        const codec = message.video?.mimeType ?? '';
        const layers = new Map(
          message.layers.map(({ key, rid }) => [key, new SourceLayer(key, rid, () => codec)]),
        );
        for (const layer of this.relay?.layers.values() ?? []) layer.halt();
        this.relay = {
          video: message.video,
          audio: message.audio,
          layers,
          requestKeyframe: upstream,
        };
        for (const wake of [...this.metaWaiters]) wake();
        for (const subscriber of this.subscribers.values()) this.attach(subscriber);
        return;
      }
      case 'video': {
        const layer = this.relay?.layers.get(message.layer);
        if (!layer) return;
        this.counters.videoPacketsIn++;
        layer.receiveRelayed();
        const rtp = RtpPacket.deSerialize(
          Buffer.from(message.rtp.buffer, message.rtp.byteOffset, message.rtp.byteLength),
        );
        for (const subscriber of this.subscribers.values())
          subscriber.video?.forward(layer, rtp, message.keyframe);
        return;
      }
      case 'audio': {
        if (!this.relay) return;
        const rtp = RtpPacket.deSerialize(
          Buffer.from(message.rtp.buffer, message.rtp.byteOffset, message.rtp.byteLength),
        );
        for (const subscriber of this.subscribers.values()) forwardAudio(subscriber, rtp);
        return;
      }
      case 'layerStats':
        for (const stats of message.layers) this.relay?.layers.get(stats.key)?.applyStats(stats);
        return;
      case 'publisher':
        if (message.state === 'gone')
          for (const layer of this.relay?.layers.values() ?? []) layer.halt();
        return;
    }
  }

  /** PLI/FIR from a viewer -> keyframe request to the publisher; NACKs are repaired by werift. */
  private watchKeyframeRequests(
    transceiver: RTCRtpTransceiver,
    video: () => VideoDownTrack | undefined,
  ): void {
    const { sender, receiver } = transceiver;
    // The viewer's layer (or the one it is switching to); every layer before it has one.
    const request = () => {
      const down = video();
      const layer = down?.pending ?? down?.current;
      if (layer) this.requestKeyframe(layer);
      else if (!down) this.requestKeyframe();
    };
    sender.onPictureLossIndication.subscribe(request);
    sender.onGenericNack.subscribe(() => this.counters.nacksFromSubscribers++);
    const inspect = (rtcp: RtcpPacket) => {
      if (rtcp.type !== RtcpPayloadSpecificFeedback.type) return;
      const { feedback } = rtcp;
      if (feedback.count === FIR_FORMAT) request();
      // werift routes PSFB by sender SSRC first: a PLI can arrive on the receiver side.
      else if (feedback.count === PictureLossIndication.count && feedback.mediaSsrc === sender.ssrc)
        request();
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

const TRANSPORT_CC_URI =
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** The header extension id the offer gave transport-cc (shared by the bundle), if any. */
export function transportCcExtensionId(sdp: string): number | undefined {
  const match = new RegExp(`^a=extmap:(\\d+)(?:/\\w+)? ${TRANSPORT_CC_URI}\\s*$`, 'm').exec(sdp);
  return match ? Number(match[1]) : undefined;
}

/**
 * Our transport-wide feedback in place of werift's (see twcc-feedback.ts). It reads the sequence
 * number of every SRTP packet the transport decrypts, before werift routes it: simulcast packets
 * that carry no rid any more, and RTX repairs, count as arrived too (werift's own feedback only
 * sees packets it could route, so the publisher's estimate collapses under simulcast).
 */
function installTwccFeedback(pc: RTCPeerConnection, offer: string): TwccFeedback | undefined {
  const id = transportCcExtensionId(offer);
  const video = pc.getTransceivers().find((t) => t.kind === 'video');
  if (id === undefined || !video) return undefined;
  const { receiver } = video;
  // werift's ReceiverTWCC is set up on the first packet unless one is there: a silent one.
  receiver.receiverTWCC = {
    twccRunning: false,
    handleTWCC: () => undefined,
  } as unknown as RTCRtpReceiver['receiverTWCC'];
  const transport = receiver.dtlsTransport;
  // libwebrtc takes transport feedback only when its media SSRC is one the sender sends (each of
  // its streams sees every RTCP packet): the SSRC of a packet that carried the extension.
  let mediaSsrc = 0;
  const feedback = new TwccFeedback({
    senderSsrc: receiver.rtcpSsrc,
    mediaSsrc: () => mediaSsrc,
    send: (packet) =>
      void transport.sendRtcp([packet as unknown as RtcpPacket]).catch(() => undefined),
  });
  const clock = stampArrivals(pc, id);
  transport.onRtp.subscribe((rtp) => {
    const extension = rtp.header.extensions.find((e) => e.id === id);
    if (!extension || extension.payload.length < 2) return;
    mediaSsrc = rtp.header.ssrc;
    const seq = extension.payload.readUInt16BE(0);
    feedback.handleTWCC(seq, clock?.take(seq));
  });
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'closed' || state === 'failed') feedback.stop();
  });
  return feedback;
}

/** What `stampArrivals` reaches inside werift: each ICE protocol's UDP transport. */
interface UdpInternals {
  connection?: {
    protocols?: {
      transport?: { type?: string; onData?: (data: Buffer, address: unknown) => void };
    }[];
  };
}

/**
 * Stamps the publisher's datagrams when they are read from the socket (see ArrivalClock), for its
 * transport-wide feedback. After gathering, when werift has its UDP transports.
 */
function stampArrivals(pc: RTCPeerConnection, extensionId: number): ArrivalClock | undefined {
  const clock = new ArrivalClock(extensionId);
  let wrapped = false;
  for (const ice of pc.iceTransports as unknown as UdpInternals[])
    for (const protocol of ice.connection?.protocols ?? []) {
      const transport = protocol.transport;
      if (transport?.type !== 'udp' || !transport.onData) continue;
      transport.onData = clock.wrap(transport.onData.bind(transport));
      wrapped = true;
    }
  return wrapped ? clock : undefined;
}

/**
 * Our answer's Opus parameters say stereo (`stereo=1; sprop-stereo=1`): a browser publisher sends
 * two channels only when the answer asks for them (a screen share's sound), and the viewers'
 * decoders learn the stream may be stereo. werift copies the offer's fmtp into its answer, so the
 * line is completed here; in-band FEC (`useinbandfec=1`) is kept as offered.
 */
export function withStereoOpus(sdp: string): string {
  const opus = /^a=rtpmap:(\d+) opus\/48000\/2\r?$/im.exec(sdp)?.[1];
  if (!opus) return sdp;
  return sdp.replace(
    new RegExp(`^(a=fmtp:${opus} )(.*?)(\r?)$`, 'm'),
    (_line, head: string, params: string, cr: string) => {
      const kept = params.split(';').filter((p) => p && !/^(stereo|sprop-stereo)=/.test(p.trim()));
      return `${head}${[...kept, 'stereo=1', 'sprop-stereo=1'].join(';')}${cr}`;
    },
  );
}

/**
 * Adds `x-google-start-bitrate` (libwebrtc's start estimate, kbit/s) to the answer's video codecs
 * (VP8, H.264; not their RTX): browsers read it from the remote description.
 */
export function withStartBitrate(sdp: string, kbps: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  const video = new Set<string>();
  for (const line of lines) {
    const rtpmap = /^a=rtpmap:(\d+) (VP8|H264)\/90000/i.exec(line);
    if (rtpmap) video.add(rtpmap[1]);
  }
  const withFmtp = new Set<string>();
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && video.has(fmtp[1]) && !fmtp[2].includes('x-google-start-bitrate')) {
      withFmtp.add(fmtp[1]);
      out.push(`${line};x-google-start-bitrate=${kbps}`);
      continue;
    }
    if (fmtp && video.has(fmtp[1])) withFmtp.add(fmtp[1]);
    out.push(line);
  }
  // A codec without an fmtp line (VP8) gets one, after its rtpmap.
  return out
    .flatMap((line) => {
      const rtpmap = /^a=rtpmap:(\d+) /.exec(line);
      const pt = rtpmap?.[1];
      return pt && video.has(pt) && !withFmtp.has(pt)
        ? [line, `a=fmtp:${pt} x-google-start-bitrate=${kbps}`]
        : [line];
    })
    .join(eol);
}

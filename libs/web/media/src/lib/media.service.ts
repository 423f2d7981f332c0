import { inject, Injectable } from '@angular/core';
import { Apollo } from 'apollo-angular';
import {
  AsyncSubject,
  catchError,
  EMPTY,
  filter,
  firstValueFrom,
  map,
  take,
  type Observable,
} from 'rxjs';

import {
  CloseMediaSessionDocument,
  IceServersDocument,
  MediaSessionEventsDocument,
  PlayStreamDocument,
  PublishStreamDocument,
  SetPlaybackQualityDocument,
  type VideoQuality,
} from './graphql.generated';
import { isDropOf, type MediaRole } from './session-recovery';
import { preferH264, simulcastEncodings, withStereoOpus, type VideoContent } from './simulcast';

/** One WebRTC session with the SFU. */
export interface MediaSessionHandle {
  readonly pc: RTCPeerConnection;
  readonly sessionId: string;
  /**
   * Emits once (the server's event type, e.g. SESSION_CLOSED) then completes when the server
   * drops this session; completes without a value when the page closes it first.
   */
  readonly dropped: Observable<string>;
  close(): void;
}

/**
 * Sets the local offer (changed by `munge` first, if given) and waits for ICE gathering (the SFU
 * is non-trickle).
 */
async function gatheredOffer(
  pc: RTCPeerConnection,
  munge: (sdp: string) => string = (sdp) => sdp,
): Promise<string> {
  const offer = await pc.createOffer();
  await pc.setLocalDescription({ type: 'offer', sdp: munge(offer.sdp ?? '') });
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === 'complete') {
          pc.removeEventListener('icegatheringstatechange', done);
          resolve();
        }
      };
      pc.addEventListener('icegatheringstatechange', done);
      // Never wait forever on a slow STUN server: what has been gathered is enough on a LAN.
      setTimeout(resolve, 3_000);
    });
  }
  return pc.localDescription?.sdp ?? '';
}

/**
 * A shared screen: when the network or the CPU cannot carry everything, the encoder lowers the
 * frame rate and keeps the resolution, so text stays sharp. Set once negotiated (the encodings
 * exist only then); a browser that refuses it keeps its default, which for a track hinted
 * `detail` (see the studio's capture) is already to keep the resolution in Chrome.
 */
async function keepResolution(sender: RTCRtpSender): Promise<void> {
  try {
    await sender.setParameters({
      ...sender.getParameters(),
      degradationPreference: 'maintain-resolution',
    });
  } catch {
    // Not supported here (older Firefox): the default degradation is acceptable.
  }
}

/**
 * WebRTC signaling over GraphQL (publishStream / playStream / closeMediaSession), with the ICE
 * servers the API hands out.
 */
@Injectable({ providedIn: 'root' })
export class MediaService {
  private readonly apollo = inject(Apollo);

  async iceServers(): Promise<RTCIceServer[]> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({ query: IceServersDocument, fetchPolicy: 'network-only' }),
      );
      return (result.data?.iceServers ?? []).map((server) => ({
        urls: server.urls,
        ...(server.username ? { username: server.username } : {}),
        ...(server.credential ? { credential: server.credential } : {}),
      }));
    } catch {
      return [];
    }
  }

  /**
   * The streamer's console: sends every track of `media` to the SFU, the video as three simulcast
   * layers (see `simulcastEncodings`) so each viewer gets the one their connection carries.
   */
  async publish(
    streamId: string,
    media: MediaStream,
    content: VideoContent = 'camera',
    /** H.264 first, for low-latency HLS (which packages H.264 only); VP8 otherwise. */
    forHls = false,
  ): Promise<MediaSessionHandle> {
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers() });
    const videoSenders: RTCRtpSender[] = [];
    for (const track of media.getTracks()) {
      const transceiver = pc.addTransceiver(
        track,
        track.kind === 'video'
          ? { direction: 'sendonly', sendEncodings: simulcastEncodings(content) }
          : { direction: 'sendonly' },
      );
      if (track.kind === 'video') {
        videoSenders.push(transceiver.sender);
        // For HLS, H.264 first: the server packages it for low-latency HLS (VP8 stays as the
        // fallback). Otherwise the browser's own order (VP8 first: the sturdier of the two on
        // constrained links with our SFU).
        const codecs = forHls ? RTCRtpSender.getCapabilities?.('video')?.codecs : undefined;
        if (codecs && typeof transceiver.setCodecPreferences === 'function')
          transceiver.setCodecPreferences(preferH264(codecs));
      }
    }
    try {
      const sdp = await gatheredOffer(pc);
      const result = await firstValueFrom(
        this.apollo.mutate({ mutation: PublishStreamDocument, variables: { streamId, sdp } }),
      );
      const session = result.data?.publishStream;
      if (!session) throw new Error('No answer from the media server');
      await pc.setRemoteDescription({ type: 'answer', sdp: session.sdp });
      if (content === 'screen') await Promise.all(videoSenders.map(keepResolution));
      return this.handle(pc, session.sessionId, 'publish');
    } catch (error) {
      pc.close();
      throw error;
    }
  }

  /**
   * A viewer: receives the stream's audio and video; `onTrack` gets the remote MediaStream.
   * `quality` pins a simulcast layer from the start (AUTO: the SFU adapts to the connection).
   */
  async play(
    streamId: string,
    onTrack: (stream: MediaStream) => void,
    quality: VideoQuality = 'AUTO',
  ): Promise<MediaSessionHandle> {
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers() });
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const remote = new MediaStream();
    pc.addEventListener('track', (event) => {
      const stream = event.streams[0];
      if (stream) onTrack(stream);
      else {
        remote.addTrack(event.track);
        onTrack(remote);
      }
    });
    try {
      // Stereo Opus is decoded in stereo only when the viewer's own description asks for it.
      const sdp = await gatheredOffer(pc, withStereoOpus);
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: PlayStreamDocument,
          variables: { streamId, sdp, quality },
        }),
      );
      const session = result.data?.playStream;
      if (!session) throw new Error('No answer from the media server');
      await pc.setRemoteDescription({ type: 'answer', sdp: session.sdp });
      return this.handle(pc, session.sessionId, 'play');
    } catch (error) {
      pc.close();
      throw error;
    }
  }

  /**
   * A viewer switches layer without renegotiating (AUTO: adaptive again); the SFU switches at
   * the next keyframe.
   */
  async setPlaybackQuality(sessionId: string, quality: VideoQuality): Promise<boolean> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: SetPlaybackQualityDocument,
        variables: { sessionId, quality },
      }),
    );
    return result.data?.setPlaybackQuality ?? false;
  }

  /**
   * The server dropping a session (see `isDropOf`), from its mediaEvents: emits that event's
   * type once and completes. Completes without a value when the events end otherwise (the stream
   * ended) or cannot be had (the socket moved to an instance that does not know the session: a
   * dead connection is still seen by the peer connection's own states).
   */
  drops(sessionId: string, role: MediaRole): Observable<string> {
    return this.apollo
      .subscribe({
        query: MediaSessionEventsDocument,
        variables: { sessionId },
        fetchPolicy: 'no-cache',
      })
      .pipe(
        map((result) => result.data?.mediaEvents),
        filter((event) => !!event && isDropOf(role, sessionId, event)),
        map((event) => event?.type ?? ''),
        take(1),
        catchError(() => EMPTY),
      );
  }

  /**
   * The session's handle. It listens to the server's events of the session from the start;
   * closing it ends that, so the server's answer to our own close is not taken for a drop.
   */
  private handle(pc: RTCPeerConnection, sessionId: string, role: MediaRole): MediaSessionHandle {
    let closed = false;
    let gone = false;
    const dropped = new AsyncSubject<string>();
    const events = this.drops(sessionId, role).subscribe(dropped);
    dropped.subscribe(() => (gone = true));
    return {
      pc,
      sessionId,
      dropped: dropped.asObservable(),
      close: () => {
        if (closed) return;
        closed = true;
        events.unsubscribe();
        dropped.complete();
        pc.close();
        // The server already forgot a session it dropped.
        if (gone) return;
        this.apollo
          .mutate({ mutation: CloseMediaSessionDocument, variables: { sessionId } })
          .subscribe({ error: () => undefined });
      },
    };
  }
}

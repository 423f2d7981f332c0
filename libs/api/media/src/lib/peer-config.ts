import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useFIR,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useREMB,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  useTWCC,
  useVP8,
  type RTCPeerConnectionConfig,
} from 'werift';

import { tcpMux } from './tcp-mux';
import { udpMux } from './udp-mux';

export interface PeerOptions {
  /** Extra host addresses to offer as ICE candidates (e.g. 127.0.0.1, a public IP behind NAT). */
  additionalHostAddresses: string[];
  /** Folder for recordings (each LIVE stream is recorded there); none = no recording. */
  recordingDirectory?: string;
  /** UDP ports for media sessions (MEDIA_UDP_PORT_RANGE); any free port when absent. */
  portRange?: [number, number];
  /**
   * A session not connected (ICE + DTLS) this long after its answer is closed (MEDIA_CONNECT_TIMEOUT_MS);
   * none: never.
   */
  connectTimeoutMs?: number;
  /** STUN/TURN servers the SFU itself uses (none by default: it is the public end). */
  iceServers?: { urls: string; username?: string; credential?: string }[];
  /** Receive/send buffer of each UDP socket (MEDIA_UDP_BUFFER_BYTES); the kernel's default when absent. */
  udpBufferBytes?: number;
  /**
   * ICE over TCP (RFC 6544, MEDIA_ICE_TCP): each session also listens on a TCP port (from
   * `portRange` when set) and offers it as a passive host candidate, below every UDP candidate, so
   * a browser on a network that blocks UDP still connects.
   */
  iceTcp?: boolean;
  /**
   * This worker's one UDP port for every session (MEDIA_UDP_PORT + the worker's index): see
   * `udp-mux.ts`. Absent: a socket per session (`portRange`).
   */
  udpMuxPort?: number;
  /**
   * MEDIA_LOAD_SHEDDING: an overloaded worker sheds its viewers' top simulcast layers
   * (load-governor.ts). On unless false.
   */
  loadShedding?: boolean;
}

/**
 * Codecs the SFU negotiates: VP8 and H.264 (each with NACK, PLI, FIR, REMB, TWCC feedback and
 * RTX), and Opus. Fresh objects per peer connection: werift fills payload types in place.
 */
function codecs(): NonNullable<RTCPeerConnectionConfig['codecs']> {
  const feedback = () => [useNACK(), usePLI(), useFIR(), useREMB(), useTWCC()];
  return {
    // In-band FEC (a lost 20 ms frame is rebuilt from the next one) and stereo when the source is
    // (a screen share's sound): `stereo=1` in our answer lets a browser publisher send two channels.
    audio: [
      useOPUS({
        payloadType: 111,
        parameters: 'minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1',
      }),
    ],
    video: [
      useVP8({ payloadType: 96, rtcpFeedback: feedback() }),
      new RTCRtpCodecParameters({
        mimeType: 'video/rtx',
        clockRate: 90000,
        payloadType: 97,
        parameters: 'apt=96',
      }),
      useH264({ payloadType: 102, rtcpFeedback: feedback() }),
      new RTCRtpCodecParameters({
        mimeType: 'video/rtx',
        clockRate: 90000,
        payloadType: 103,
        parameters: 'apt=102',
      }),
    ],
  };
}

export function createPeer(options: PeerOptions): RTCPeerConnection {
  const pc = new RTCPeerConnection({
    iceServers: options.iceServers ?? [],
    iceAdditionalHostAddresses: options.additionalHostAddresses,
    icePortRange: options.portRange,
    iceUseTcp: options.iceTcp ?? false,
    iceTcpPassive: true,
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: codecs(),
    headerExtensions: {
      // rtp-stream-id and repaired-rtp-stream-id: simulcast layers are told apart by their rid.
      video: [
        useSdesMid(),
        useAbsSendTime(),
        useTransportWideCC(),
        useSdesRTPStreamId(),
        useRepairedRtpStreamId(),
      ],
      audio: [useSdesMid(), useAbsSendTime()],
    },
  });
  // On a muxed port, the session answers for its ufrag from its first candidate on, not only
  // once gathering is over (a loaded worker can take longer than the answer waits).
  const mux = udpMux();
  const tcp = tcpMux();
  if (mux || tcp)
    pc.onIceCandidate.subscribe(() => {
      mux?.register(pc);
      tcp?.register(pc);
    });
  return pc;
}

/** Non-trickle answers: wait until every local candidate is in the description (bounded). */
export async function gatheringComplete(pc: RTCPeerConnection, timeoutMs = 5000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  });
}

/**
 * After gathering, before the answer leaves: the peer's UDP sockets get their buffers, and on a
 * muxed port (MEDIA_UDP_PORT, UDP and TCP) its ufrag is registered so the browser's first checks
 * find it.
 */
export function afterGathering(pc: RTCPeerConnection, options: PeerOptions): void {
  enlargeSocketBuffers(pc, options.udpBufferBytes);
  udpMux()?.register(pc);
  tcpMux()?.register(pc);
}

/** What `enlargeSocketBuffers` reaches inside werift: each ICE protocol's UDP socket. */
interface IceInternals {
  connection?: {
    protocols?: { transport?: { type?: string; socket?: import('node:dgram').Socket } }[];
  };
}

/**
 * Gives the peer's UDP sockets `bytes` of receive and send buffer (werift binds them with the
 * kernel's default). Without it, the burst of a publisher's keyframe or bandwidth probe that
 * arrives while the worker is busy overflows the ~208 KiB default and is dropped by the kernel
 * (RcvbufErrors in /proc/net/snmp); the publisher's congestion controller reads the loss as
 * congestion and sends at a fraction of its rate. The kernel caps the size at net.core.rmem_max.
 */
export function enlargeSocketBuffers(pc: RTCPeerConnection, bytes: number | undefined): void {
  if (!bytes) return;
  for (const ice of pc.iceTransports as unknown as IceInternals[])
    for (const protocol of ice.connection?.protocols ?? []) {
      const socket = protocol.transport?.type === 'udp' ? protocol.transport.socket : undefined;
      if (!socket) continue;
      try {
        if (socket.getRecvBufferSize() < bytes) socket.setRecvBufferSize(bytes);
        if (socket.getSendBufferSize() < bytes) socket.setSendBufferSize(bytes);
      } catch {
        // Not bound (closed meanwhile): nothing to enlarge.
      }
    }
}

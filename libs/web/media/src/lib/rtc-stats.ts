/** One reading of a sender's or receiver's video statistics. */
export interface RtcVideoSample {
  at: number;
  bytes: number;
  frames: number;
}

export interface RtcVideoHealth {
  bitrateKbps: number;
  fps: number;
}

/** Bitrate and frame rate between two readings (pure: unit-tested). */
export function videoHealth(
  previous: RtcVideoSample | undefined,
  next: RtcVideoSample,
): RtcVideoHealth {
  if (!previous || next.at <= previous.at) return { bitrateKbps: 0, fps: 0 };
  const seconds = (next.at - previous.at) / 1000;
  return {
    bitrateKbps: Math.max(0, Math.round(((next.bytes - previous.bytes) * 8) / 1000 / seconds)),
    fps: Math.max(0, Math.round((next.frames - previous.frames) / seconds)),
  };
}

/** The video sample of a connection: outbound (publisher) or inbound (viewer). */
export async function readVideoSample(
  pc: RTCPeerConnection,
  direction: 'outbound' | 'inbound',
): Promise<RtcVideoSample> {
  const report = await pc.getStats();
  let bytes = 0;
  let frames = 0;
  report.forEach((entry: Record<string, unknown>) => {
    if (entry['kind'] !== 'video') return;
    if (direction === 'outbound' && entry['type'] === 'outbound-rtp') {
      bytes += Number(entry['bytesSent'] ?? 0);
      frames += Number(entry['framesEncoded'] ?? 0);
    }
    if (direction === 'inbound' && entry['type'] === 'inbound-rtp') {
      bytes += Number(entry['bytesReceived'] ?? 0);
      frames += Number(entry['framesDecoded'] ?? 0);
    }
  });
  return { at: performance.now(), bytes, frames };
}

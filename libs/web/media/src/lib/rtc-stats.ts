import { QUALITY_OF_RID } from './simulcast';

/** One entry of a stats report, read field by field (browsers differ in what they fill). */
type StatsEntry = Record<string, unknown>;

/** What `RTCPeerConnection.getStats()` resolves to, or a Map of plain entries in tests. */
export type StatsReport = RTCStatsReport | ReadonlyMap<string, StatsEntry>;

function entriesOf(report: StatsReport): StatsEntry[] {
  const entries: StatsEntry[] = [];
  report.forEach((entry: StatsEntry) => entries.push(entry));
  return entries;
}

const num = (value: unknown): number => (typeof value === 'number' && isFinite(value) ? value : 0);

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

/** The video sample of a report, all layers together: outbound (publisher) or inbound (viewer). */
export function videoSampleOf(
  report: StatsReport,
  direction: 'outbound' | 'inbound',
  at: number,
): RtcVideoSample {
  let bytes = 0;
  let frames = 0;
  for (const entry of entriesOf(report)) {
    if (entry['kind'] !== 'video') continue;
    if (direction === 'outbound' && entry['type'] === 'outbound-rtp') {
      bytes += num(entry['bytesSent']);
      frames += num(entry['framesEncoded']);
    }
    if (direction === 'inbound' && entry['type'] === 'inbound-rtp') {
      bytes += num(entry['bytesReceived']);
      frames += num(entry['framesDecoded']);
    }
  }
  return { at, bytes, frames };
}

/** The video sample of a connection: outbound (publisher) or inbound (viewer). */
export async function readVideoSample(
  pc: RTCPeerConnection,
  direction: 'outbound' | 'inbound',
): Promise<RtcVideoSample> {
  return videoSampleOf(await pc.getStats(), direction, performance.now());
}

// --- A viewer's "stats for nerds" -------------------------------------------------------------

/** One reading of a viewer's received video and its connection. */
export interface InboundVideoSample extends RtcVideoSample {
  width: number;
  height: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, as reported. */
  jitter: number;
  /** Seconds, of the candidate pair in use; null when none is known yet. */
  roundTripTime: number | null;
}

/** The candidate pair the connection uses: the transport's selected one, else the nominated one. */
function selectedPair(entries: StatsEntry[]): StatsEntry | undefined {
  const transport = entries.find((entry) => entry['type'] === 'transport');
  const id = transport?.['selectedCandidatePairId'];
  const pairs = entries.filter((entry) => entry['type'] === 'candidate-pair');
  return (
    pairs.find((pair) => id !== undefined && pair['id'] === id) ??
    pairs.find((pair) => pair['selected'] === true) ??
    pairs.find((pair) => pair['nominated'] === true && pair['state'] === 'succeeded')
  );
}

/** A viewer's reading of its report (pure: unit-tested); undefined before any video arrives. */
export function inboundVideoSampleOf(
  report: StatsReport,
  at: number,
): InboundVideoSample | undefined {
  const entries = entriesOf(report);
  const video = entries.find(
    (entry) => entry['type'] === 'inbound-rtp' && entry['kind'] === 'video',
  );
  if (!video) return undefined;
  const rtt = selectedPair(entries)?.['currentRoundTripTime'];
  return {
    at,
    bytes: num(video['bytesReceived']),
    frames: num(video['framesDecoded']),
    width: num(video['frameWidth']),
    height: num(video['frameHeight']),
    packetsReceived: num(video['packetsReceived']),
    packetsLost: num(video['packetsLost']),
    jitter: num(video['jitter']),
    roundTripTime: typeof rtt === 'number' ? rtt : null,
  };
}

/** What the viewer's stats panel shows. */
export interface PlaybackStats {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** Of the packets expected since the previous reading (since the start without one), 0..100. */
  packetLossPercent: number;
  jitterMs: number;
  rttMs: number | null;
}

/** The stats panel's figures between two readings (pure: unit-tested). */
export function playbackStats(
  previous: InboundVideoSample | undefined,
  next: InboundVideoSample,
): PlaybackStats {
  // Counters that went back (a new session) count as a first reading.
  const base = previous && previous.packetsReceived <= next.packetsReceived ? previous : undefined;
  const received = next.packetsReceived - (base?.packetsReceived ?? 0);
  const lost = Math.max(0, next.packetsLost - (base?.packetsLost ?? 0));
  const expected = received + lost;
  return {
    width: next.width,
    height: next.height,
    ...videoHealth(base, next),
    packetLossPercent: expected > 0 ? Math.round((lost / expected) * 1000) / 10 : 0,
    jitterMs: Math.round(next.jitter * 1000),
    rttMs: next.roundTripTime === null ? null : Math.round(next.roundTripTime * 1000),
  };
}

// --- The studio's simulcast layers --------------------------------------------------------------

/** One reading of one simulcast layer the publisher sends (an outbound-rtp with a rid). */
export interface OutboundLayerSample extends RtcVideoSample {
  rid: string;
  width: number;
  height: number;
  /** `qualityLimitationReason`: 'none', 'bandwidth', 'cpu' or 'other'. */
  limitation: string;
  /** False when the browser stopped sending the layer (Chrome pauses layers it cannot afford). */
  active: boolean;
}

/** The layers of a publisher's report (pure: unit-tested). */
export function outboundLayerSamplesOf(report: StatsReport, at: number): OutboundLayerSample[] {
  return entriesOf(report)
    .filter(
      (entry) =>
        entry['type'] === 'outbound-rtp' &&
        entry['kind'] === 'video' &&
        typeof entry['rid'] === 'string',
    )
    .map((entry) => ({
      at,
      rid: String(entry['rid']),
      bytes: num(entry['bytesSent']),
      frames: num(entry['framesEncoded']),
      width: num(entry['frameWidth']),
      height: num(entry['frameHeight']),
      limitation:
        typeof entry['qualityLimitationReason'] === 'string'
          ? entry['qualityLimitationReason']
          : 'none',
      active: entry['active'] !== false,
    }));
}

/** A row of the studio's layer table. */
export interface OutboundLayerRow {
  rid: string;
  quality: 'HIGH' | 'MEDIUM' | 'LOW' | null;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** Why the encoder sends less than asked, when it is the network or the CPU. */
  limitedBy: 'bandwidth' | 'cpu' | null;
  active: boolean;
}

const RID_ORDER = ['f', 'h', 'q'];

/** The studio's rows, highest layer first, from two readings (pure: unit-tested). */
export function outboundLayerRows(
  previous: readonly OutboundLayerSample[],
  next: readonly OutboundLayerSample[],
): OutboundLayerRow[] {
  return next
    .map((layer): OutboundLayerRow => {
      const before = previous.find((sample) => sample.rid === layer.rid);
      const limitation = layer.limitation;
      return {
        rid: layer.rid,
        quality:
          (QUALITY_OF_RID as Partial<Record<string, OutboundLayerRow['quality']>>)[layer.rid] ??
          null,
        width: layer.width,
        height: layer.height,
        ...videoHealth(before, layer),
        limitedBy: limitation === 'bandwidth' || limitation === 'cpu' ? limitation : null,
        active: layer.active,
      };
    })
    .sort((a, b) => rank(a.rid) - rank(b.rid));
}

function rank(rid: string): number {
  const index = RID_ORDER.indexOf(rid);
  return index === -1 ? RID_ORDER.length : index;
}

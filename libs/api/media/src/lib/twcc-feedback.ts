/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01)
 * from the SFU to a publisher: for every packet carrying the transport-cc header extension, when
 * it arrived (or that it did not). The publisher's congestion controller (GoogCC in browsers)
 * turns it into its bandwidth estimate: without correct feedback a browser's encoder stays at its
 * 300 kbps start rate.
 *
 * werift 0.25 has a ReceiverTWCC, but it reports arrival deltas against a reference time rounded
 * to 64 ms (so every feedback jumps by up to 64 ms of fake delay, which the delay-based estimator
 * reads as congestion) and leaves lost packets out of the status list. This one follows the
 * draft: the reference time is the first reported arrival rounded down to 64 ms, the first delta
 * is measured from that rounded time, every sequence number from the base to the highest received
 * gets a status, and feedback goes out every 50 ms (or sooner after 100 packets).
 */

const RTCP_VERSION = 2;
const RTPFB = 205;
const TWCC_FMT = 15;
const NOT_RECEIVED = 0;
const SMALL_DELTA = 1;
const LARGE_DELTA = 2;
/** A status vector/run-length chunk's run length field is 13 bits. */
const MAX_RUN = 0x1fff;
/** One feedback packet never covers more than this many sequence numbers. */
const MAX_STATUSES = 1000;

/** One feedback packet, ready for `RTCDtlsTransport.sendRtcp` (which calls `serialize`). */
export interface SerializableRtcp {
  serialize(): Buffer;
}

export interface TwccFeedbackOptions {
  senderSsrc: number;
  mediaSsrc: () => number;
  send: (packet: SerializableRtcp) => void;
  /** Microseconds, monotonic. */
  now?: () => number;
  intervalMs?: number;
}

/**
 * Collects arrivals (`handleTWCC(transportSequenceNumber)`, the method werift's receiver calls)
 * and sends feedback. Install it as the receiver's `receiverTWCC`.
 */
export class TwccFeedback {
  /** werift's receiver sets this to false when it stops. */
  twccRunning = true;
  private readonly arrivals = new Map<number, number>();
  /** Unwrapped sequence number of the next status to report. */
  private nextToReport?: number;
  private highest?: number;
  private feedbackCount = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: TwccFeedbackOptions) {
    this.now = options.now ?? (() => Number(process.hrtime.bigint() / 1000n));
    this.timer = setInterval(() => {
      if (!this.twccRunning) return this.stop();
      this.flush();
    }, options.intervalMs ?? 50);
    this.timer.unref();
  }

  handleTWCC(transportSequenceNumber: number | undefined): void {
    if (typeof transportSequenceNumber !== 'number' || !this.twccRunning) return;
    const seq = this.unwrap(transportSequenceNumber);
    if (this.nextToReport === undefined) this.nextToReport = seq;
    // Already reported (as lost): a late packet is not reported again.
    if (seq < this.nextToReport) return;
    if (!this.arrivals.has(seq)) this.arrivals.set(seq, this.now());
    if (this.highest === undefined || seq > this.highest) this.highest = seq;
    if (this.highest - this.nextToReport >= 100) this.flush();
  }

  stop(): void {
    this.twccRunning = false;
    clearInterval(this.timer);
  }

  /** Builds and sends the feedback for everything received since the last one. */
  flush(): void {
    const packet = this.build();
    if (packet) this.options.send(packet);
  }

  /** The next feedback packet (undefined when there is nothing to report). Exposed for tests. */
  build(): SerializableRtcp | undefined {
    if (this.nextToReport === undefined || this.highest === undefined) return undefined;
    if (this.highest < this.nextToReport) return undefined;
    // Start at the first received packet at or after nextToReport (losses before it are implied).
    let base = this.nextToReport;
    while (base <= this.highest && !this.arrivals.has(base)) base++;
    if (base > this.highest) return undefined;
    const last = Math.min(this.highest, base + MAX_STATUSES - 1);
    const firstArrival = this.arrivals.get(base) ?? 0;
    const reference = Math.floor(firstArrival / 64_000);
    let previous = reference * 64_000;
    const statuses: number[] = [];
    const deltas: number[] = [];
    for (let seq = base; seq <= last; seq++) {
      const arrival = this.arrivals.get(seq);
      if (arrival === undefined) {
        statuses.push(NOT_RECEIVED);
        continue;
      }
      const ticks = Math.round((arrival - previous) / 250);
      // A delta beyond 16 bits ends this feedback; the next one starts at this packet.
      if (ticks < -32768 || ticks > 32767) {
        if (statuses.length === 0) break;
        return this.finish(base, seq - 1, reference, statuses, deltas);
      }
      previous += ticks * 250;
      statuses.push(ticks >= 0 && ticks <= 255 ? SMALL_DELTA : LARGE_DELTA);
      deltas.push(ticks);
    }
    return this.finish(base, last, reference, statuses, deltas);
  }

  private finish(
    base: number,
    last: number,
    reference: number,
    statuses: number[],
    deltas: number[],
  ): SerializableRtcp | undefined {
    for (const seq of [...this.arrivals.keys()]) if (seq <= last) this.arrivals.delete(seq);
    this.nextToReport = last + 1;
    if (statuses.length === 0) return undefined;
    const bytes = serializeFeedback({
      senderSsrc: this.options.senderSsrc,
      mediaSsrc: this.options.mediaSsrc(),
      baseSequence: base & 0xffff,
      referenceTime: reference & 0xffffff,
      feedbackCount: this.feedbackCount,
      statuses,
      deltas,
    });
    this.feedbackCount = (this.feedbackCount + 1) & 0xff;
    return { serialize: () => bytes };
  }

  private unwrap(seq: number): number {
    if (this.highest === undefined) return seq;
    const highWrapped = this.highest & 0xffff;
    let diff = seq - highWrapped;
    if (diff > 0x8000) diff -= 0x10000;
    if (diff < -0x8000) diff += 0x10000;
    return this.highest + diff;
  }
}

export interface FeedbackFields {
  senderSsrc: number;
  mediaSsrc: number;
  baseSequence: number;
  /** In 64 ms units, 24 bits. */
  referenceTime: number;
  feedbackCount: number;
  /** One per sequence number from the base: 0 not received, 1 small delta, 2 large delta. */
  statuses: number[];
  /** One per received packet, in 250 µs ticks. */
  deltas: number[];
}

/** RTCP transport-wide feedback bytes (run-length chunks where a status repeats, else 2-bit vectors). */
export function serializeFeedback(fields: FeedbackFields): Buffer {
  const chunks: number[] = [];
  const { statuses } = fields;
  let i = 0;
  while (i < statuses.length) {
    let run = 1;
    while (i + run < statuses.length && statuses[i + run] === statuses[i] && run < MAX_RUN) run++;
    if (run >= 7 || i + run === statuses.length) {
      // Run-length chunk: 0 | status (2) | run length (13).
      chunks.push((statuses[i] << 13) | run);
      i += run;
    } else {
      // Status vector chunk of seven 2-bit symbols: 1 | 1 | 7 x 2 bits.
      let chunk = 0xc000;
      for (let s = 0; s < 7; s++) {
        const status = i + s < statuses.length ? statuses[i + s] : NOT_RECEIVED;
        chunk |= status << (12 - 2 * s);
      }
      chunks.push(chunk);
      i += 7;
    }
  }
  const deltaBytes = fields.deltas.reduce(
    (sum, _d, index) => sum + (statusOfDelta(fields, index) === SMALL_DELTA ? 1 : 2),
    0,
  );
  const bodyLength = 8 + 8 + chunks.length * 2 + deltaBytes;
  const padding = (4 - ((4 + bodyLength) % 4)) % 4;
  const total = 4 + bodyLength + padding;
  const buffer = Buffer.alloc(total);
  buffer[0] = (RTCP_VERSION << 6) | (padding ? 0x20 : 0) | TWCC_FMT;
  buffer[1] = RTPFB;
  buffer.writeUInt16BE(total / 4 - 1, 2);
  buffer.writeUInt32BE(fields.senderSsrc >>> 0, 4);
  buffer.writeUInt32BE(fields.mediaSsrc >>> 0, 8);
  buffer.writeUInt16BE(fields.baseSequence, 12);
  buffer.writeUInt16BE(statuses.length, 14);
  buffer.writeUIntBE(fields.referenceTime, 16, 3);
  buffer.writeUInt8(fields.feedbackCount, 19);
  let offset = 20;
  for (const chunk of chunks) {
    buffer.writeUInt16BE(chunk, offset);
    offset += 2;
  }
  fields.deltas.forEach((delta, index) => {
    if (statusOfDelta(fields, index) === SMALL_DELTA) buffer.writeUInt8(delta, offset++);
    else {
      buffer.writeInt16BE(delta, offset);
      offset += 2;
    }
  });
  if (padding) buffer[total - 1] = padding;
  return buffer;
}

function statusOfDelta(fields: FeedbackFields, deltaIndex: number): number {
  const delta = fields.deltas[deltaIndex];
  return delta >= 0 && delta <= 255 ? SMALL_DELTA : LARGE_DELTA;
}

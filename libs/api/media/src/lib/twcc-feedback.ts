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
    this.now = options.now ?? monotonicMicros;
    this.timer = setInterval(() => {
      if (!this.twccRunning) return this.stop();
      this.flush();
    }, options.intervalMs ?? 50);
    this.timer.unref();
  }

  /**
   * One packet arrived. `arrivedAt` (microseconds, the clock of `now`): when its datagram was
   * read from the socket, if known (see `ArrivalClock`); else now.
   */
  handleTWCC(transportSequenceNumber: number | undefined, arrivedAt?: number): void {
    if (typeof transportSequenceNumber !== 'number' || !this.twccRunning) return;
    const seq = this.unwrap(transportSequenceNumber);
    if (this.nextToReport === undefined) this.nextToReport = seq;
    // Already reported (as lost): a late packet is not reported again.
    if (seq < this.nextToReport) return;
    if (!this.arrivals.has(seq)) this.arrivals.set(seq, arrivedAt ?? this.now());
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

/** Microseconds, monotonic: the clock of `TwccFeedback` and `ArrivalClock`. */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * The transport-wide sequence number in a raw (S)RTP datagram, read from its header extension
 * (SRTP leaves the header, extensions included, in the clear): undefined for RTCP, STUN, DTLS or
 * a packet without it.
 */
export function transportSequenceNumberOf(
  datagram: Buffer,
  extensionId: number,
): number | undefined {
  if (datagram.length < 12 || datagram[0] >> 6 !== 2) return undefined;
  // RTCP packet types 192-223 (RFC 5761): not RTP.
  if (datagram[1] >= 192 && datagram[1] <= 223) return undefined;
  if ((datagram[0] & 0x10) === 0) return undefined;
  let offset = 12 + (datagram[0] & 0x0f) * 4;
  if (datagram.length < offset + 4) return undefined;
  const profile = datagram.readUInt16BE(offset);
  const end = offset + 4 + datagram.readUInt16BE(offset + 2) * 4;
  if (end > datagram.length) return undefined;
  offset += 4;
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return undefined;
  while (offset < end) {
    const first = datagram[offset];
    if (first === 0) {
      offset++; // padding
      continue;
    }
    const id = oneByte ? first >> 4 : first;
    const length = oneByte ? (first & 0x0f) + 1 : datagram[offset + 1];
    const data = offset + (oneByte ? 1 : 2);
    if (oneByte && id === 15) return undefined;
    if (id === extensionId)
      return length >= 2 && data + 2 <= end ? datagram.readUInt16BE(data) : undefined;
    offset = data + length;
  }
  return undefined;
}

/**
 * When each datagram was read from the socket. Node reads a socket's waiting datagrams one after
 * another and runs each one's handler to the end (for a publisher's packet: decrypt, route,
 * forward to every viewer, record) before it reads the next. Stamped there, the arrival times of
 * a burst (a keyframe, a bandwidth probe) spread over the worker's processing time, and the
 * publisher's delay-based estimator reads that as a growing queue: it cuts its bitrate. Here the
 * socket handler only stamps the datagram and queues it; the queue is processed right after
 * (setImmediate, in order), so a burst gets the times it was read at.
 */
export class ArrivalClock {
  private readonly stamps = new Map<number, number>();
  private readonly queue: [Buffer, unknown][] = [];
  private draining = false;

  constructor(
    private readonly extensionId: number,
    private readonly now: () => number = monotonicMicros,
  ) {}

  /** Wraps a transport's datagram handler: stamp now, process soon (in arrival order). */
  wrap(handle: (data: Buffer, address: unknown) => void): (data: Buffer, address: unknown) => void {
    const drain = () => {
      this.draining = false;
      // Bounded: what arrives while draining waits for the next turn.
      for (let n = this.queue.length; n > 0; n--) {
        const [data, address] = this.queue.shift() as [Buffer, unknown];
        try {
          handle(data, address);
        } catch {
          // werift logs and drops what it cannot handle; one bad datagram stops nothing.
        }
      }
      if (this.queue.length > 0 && !this.draining) {
        this.draining = true;
        setImmediate(drain);
      }
    };
    return (data, address) => {
      const seq = transportSequenceNumberOf(data, this.extensionId);
      if (seq !== undefined) {
        if (this.stamps.size > 4096) this.stamps.clear();
        this.stamps.set(seq, this.now());
      }
      this.queue.push([data, address]);
      if (!this.draining) {
        this.draining = true;
        setImmediate(drain);
      }
    };
  }

  /** When the datagram with this sequence number was read (once), if it was stamped. */
  take(transportSequenceNumber: number): number | undefined {
    const at = this.stamps.get(transportSequenceNumber);
    if (at !== undefined) this.stamps.delete(transportSequenceNumber);
    return at;
  }
}

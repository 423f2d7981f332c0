import type { TransportWideCC } from 'werift';

/** A packet a transport-wide feedback reports received, and when (ms, the receiver's clock). */
export interface Arrival {
  sequence: number;
  arrivalMs: number;
}

const RECEIVED_SMALL = 1;
const RECEIVED_LARGE = 2;

/**
 * The arrival times a transport-wide feedback reports (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 §3.1): statuses from its chunks, one receive delta per received packet, added up
 * from the reference time.
 */
export function feedbackArrivals(feedback: TransportWideCC): Arrival[] {
  const statuses: number[] = [];
  for (const chunk of feedback.packetChunks) {
    if (statuses.length >= feedback.packetStatusCount) break;
    if ('runLength' in chunk)
      for (let i = 0; i < chunk.runLength; i++) statuses.push(chunk.packetStatus);
    else statuses.push(...chunk.symbolList);
  }
  const arrivals: Arrival[] = [];
  let micros = feedback.referenceTime * 64_000;
  let delta = 0;
  const count = Math.min(statuses.length, feedback.packetStatusCount);
  for (let i = 0; i < count; i++) {
    const status = statuses[i];
    if (status !== RECEIVED_SMALL && status !== RECEIVED_LARGE) continue;
    const received = feedback.recvDeltas[delta++];
    if (!received) break;
    micros += received.delta;
    arrivals.push({
      sequence: (feedback.baseSequenceNumber + i) & 0xffff,
      arrivalMs: micros / 1000,
    });
  }
  return arrivals;
}

/** How long the baseline (the path's delay with an empty queue) is remembered. */
const BASELINE_MS = 15_000;
/** A send time older than this is not matched with a feedback (sequence numbers wrap). */
const MAX_FEEDBACK_AGE_MS = 5_000;

/**
 * How much the queue on the way to one viewer grew: each transport-wide feedback's smallest
 * one-way delay (arrival at the viewer minus our send time, clocks unsynchronized) above the
 * smallest seen over the last 15 s. A link filled past its rate queues before it drops (a home
 * router buffers hundreds of ms), so a probe is judged by the queue it builds, not only by loss;
 * the smallest delay of a feedback is what a moment's jitter (a stall of either machine) does
 * not raise, a queue does.
 */
export class QueueDelay {
  private readonly sentAt = new Float64Array(65_536);
  /** The smallest delay of each feedback (ms) and when it came. */
  private readonly minima: { at: number; delay: number }[] = [];
  /** The queue (ms) of each feedback since the last `take`. */
  private window: number[] = [];
  /** The queue the last feedback showed (ms), and when it came. */
  private last = { queueMs: 0, at: 0 };

  /** A packet with this transport-wide sequence number left now (ms, monotonic). */
  sent(sequence: number, nowMs: number): void {
    this.sentAt[sequence & 0xffff] = nowMs;
  }

  /** A feedback came: records the queue it shows. */
  feedback(arrivals: Arrival[], nowMs: number): void {
    let smallest = Infinity;
    for (const { sequence, arrivalMs } of arrivals) {
      const sentAt = this.sentAt[sequence & 0xffff];
      if (sentAt === 0 || nowMs - sentAt > MAX_FEEDBACK_AGE_MS) continue;
      smallest = Math.min(smallest, arrivalMs - sentAt);
    }
    if (smallest === Infinity) return;
    while (this.minima.length && this.minima[0].at < nowMs - BASELINE_MS) this.minima.shift();
    this.minima.push({ at: nowMs, delay: smallest });
    let baseline = Infinity;
    for (const { delay } of this.minima) baseline = Math.min(baseline, delay);
    this.window.push(smallest - baseline);
    this.last = { queueMs: smallest - baseline, at: nowMs };
  }

  /** The queue the latest feedback showed (ms; 0 when none came within a second). */
  latest(nowMs: number): number {
    return nowMs - this.last.at <= 1000 ? this.last.queueMs : 0;
  }

  /** The queue over the feedback since the last call (the median of its feedbacks', ms). */
  take(): number {
    const values = this.window.sort((a, b) => a - b);
    this.window = [];
    return values.length ? values[Math.floor(values.length / 2)] : 0;
  }
}

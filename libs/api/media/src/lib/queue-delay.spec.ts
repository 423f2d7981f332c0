import { TransportWideCC } from 'werift';

import { feedbackArrivals, QueueDelay } from './queue-delay';
import { serializeFeedback } from './twcc-feedback';

/** A feedback as a viewer's browser sends it, parsed by werift as the SFU receives it. */
function feedback(baseSequence: number, statuses: number[], deltas: number[], referenceTime = 100) {
  const bytes = serializeFeedback({
    senderSsrc: 1,
    mediaSsrc: 2,
    baseSequence,
    referenceTime,
    feedbackCount: 0,
    statuses,
    deltas,
  });
  return TransportWideCC.deSerialize(bytes.subarray(4), undefined as never);
}

describe('feedbackArrivals (arrival times in a transport-wide feedback)', () => {
  it('adds the receive deltas of the received packets to the reference time', () => {
    // 65534, 65535 received; 0 lost; 1 received 300 ms later (a large delta).
    const parsed = feedback(65_534, [1, 1, 0, 2], [4, 8, 1200]);
    expect(feedbackArrivals(parsed)).toEqual([
      { sequence: 65_534, arrivalMs: 6400 + 1 },
      { sequence: 65_535, arrivalMs: 6400 + 3 },
      { sequence: 1, arrivalMs: 6400 + 303 },
    ]);
  });

  it('reads run-length chunks (a long run received) and skips lost packets', () => {
    const statuses = [...Array(20).fill(1), ...Array(10).fill(0), 1];
    const parsed = feedback(10, statuses, [...Array(20).fill(4), 40]);
    const arrivals = feedbackArrivals(parsed);
    expect(arrivals).toHaveLength(21);
    expect(arrivals[19]).toEqual({ sequence: 29, arrivalMs: 6400 + 20 });
    expect(arrivals[20]).toEqual({ sequence: 40, arrivalMs: 6400 + 30 });
  });
});

describe('QueueDelay (the queue a viewer link builds)', () => {
  /** Sends one packet every 10 ms from `from` (ms) and has it arrive `delay(t)` later. */
  function run(
    queue: QueueDelay,
    from: number,
    ms: number,
    delay: (t: number) => number,
    seq0: number,
  ) {
    let sequence = seq0;
    for (let t = from; t < from + ms; t += 100) {
      const arrivals = [];
      for (let k = 0; k < 10; k++) {
        const sentAt = t + k * 10;
        queue.sent(sequence, sentAt);
        // The receiver's clock is 5 s ahead of ours: only differences count.
        arrivals.push({ sequence, arrivalMs: 5000 + sentAt + delay(sentAt) });
        sequence = (sequence + 1) & 0xffff;
      }
      queue.feedback(arrivals, t + 100);
    }
    return sequence;
  }

  it('reads no queue on a link with jitter only, and a growing one on a link filled past its rate', () => {
    const queue = new QueueDelay();
    // 3 s of a clean link: 20 ms of path delay, every 7th packet 0-60 ms late (jitter, stalls).
    let seq = run(queue, 0, 3000, (t) => 20 + ((t / 10) % 7 === 0 ? t % 60 : 0), 65_000);
    expect(queue.take()).toBe(0);
    // 500 ms of a probe at 120 % of the link's rate: the queue grows 200 ms a second.
    seq = run(queue, 3000, 500, (t) => 20 + (t - 3000) * 0.2, seq);
    expect(queue.take()).toBeGreaterThanOrEqual(40);
    // Back under the rate: the queue drains.
    run(queue, 3500, 1000, () => 20, seq);
    expect(queue.take()).toBe(0);
  });

  it('ignores send times from before the sequence numbers wrapped (no match, no figure)', () => {
    const queue = new QueueDelay();
    queue.sent(7, 0);
    queue.feedback([{ sequence: 7, arrivalMs: 10 }], 60_000);
    expect(queue.take()).toBe(0);
  });
});

import { afterShedding } from './load-governor';
import type { LayerQuality, VideoQuality } from './protocol';

/**
 * Which simulcast layer one viewer gets (pure logic, fed every ~500 ms by the room).
 *
 * Like LiveKit's stream allocator and mediasoup's simulcast consumer, but loss-driven and simple:
 * the SFU learns what the viewer's downlink carries from the viewer's transport-wide feedback
 * (which of our packets arrived) and its NACKs (which it had to ask for again), and
 * - goes DOWN fast: at once to the lowest layer when a window's feedback reports >= 10 % dropped
 *   (congestion: one keyframe wait instead of one per step), or one step when the last 4 windows
 *   (2 s) lost >= 3 % on average, in two windows or more (dropped or NACKed: a stall of the
 *   viewer's machine makes it NACK a burst of packets that are only late, in one window);
 * - goes UP carefully: after 3 s in a row under 2 % loss it PROBES first: for 1 s the viewer gets
 *   padding on top of its layer, up to the next layer's rate (as libwebrtc and LiveKit probe);
 *   only if that probe stays clean (no loss, and no queue growing on the way: a full link
 *   buffers before it drops) does it switch up. A failed probe costs some padding, not a
 *   frozen picture; it (or an upgrade that fails within 8 s) doubles the wait before the next
 *   try of that layer (up to 6 s; a probe that passes resets it and the waits of the layers
 *   above it), so a viewer on a link that cannot carry the next layer is not
 *   bounced, yet climbs back within seconds once the link is freed.
 * A pinned quality (HIGH, MEDIUM, LOW) takes that layer, or the nearest one the publisher sends.
 */
export const ALLOCATION = {
  /** Dropped packets (transport-wide feedback) in one window that move down at once. */
  severeLoss: 0.1,
  /** Loss (dropped or NACKed) averaging this over the last `sustainedWindows` windows (two or more of them lossy) moves down a step. */
  sustainedLoss: 0.03,
  sustainedWindows: 4,
  /** Loss under which a window counts as clean. */
  cleanLoss: 0.02,
  /** Clean time before probing for the next layer up. */
  upAfterMs: 3000,
  /** How long the link is probed (padding up to the next layer's rate) before switching up. */
  probeMs: 1000,
  /** The rate a probe fills the link to: the next layer's, with this headroom (keyframes burst). */
  probeHeadroom: 1.2,
  /**
   * A probe that makes the queue to the viewer grow this much (ms) fails: the link is full
   * before it drops anything (a home router buffers a few hundred ms).
   */
  probeMaxQueueMs: 40,
  /** An upgrade followed by a downgrade within this time failed. */
  failedUpgradeMs: 8000,
  maxUpWaitMs: 6000,
  /** Fewer packets than this in a window: no decision on a loss (no loss counts as clean). */
  minPackets: 10,
} as const;

export interface AllocatorLayer {
  key: string;
  quality: LayerQuality;
  bitrateKbps: number;
}

/**
 * One feedback window of a viewer's video: packets (sent, or reported by its transport-wide
 * feedback) and how many were lost (reported lost, or asked again for by NACK).
 */
export interface FeedbackWindow {
  reported: number;
  /** Reported lost by the transport-wide feedback (dropped on the way). */
  lost: number;
  /** Asked again for by NACK (also a packet only late, when the viewer's machine stalls). */
  nacked: number;
  /** The video we sent it over the window, kbit/s. */
  sentKbps: number;
  /** How much the queue on the way to the viewer grew over the window (ms; 0 when unknown). */
  queueMs?: number;
}

export class LayerAllocator {
  /** The last update moved down because of loss: the link is congested now. */
  congested = false;
  private choice: VideoQuality;
  private target?: string;
  private cleanSince?: number;
  /** The loss of the last `sustainedWindows` windows. */
  private recentLoss: number[] = [];
  private lastUpgrade?: { key: string; at: number };
  /** A probe for the next layer up: its key, rate and end. */
  private probe?: { key: string; kbps: number; until: number };
  private readonly upWait = new Map<string, number>();

  /**
   * @param rank where this viewer stands when a worker sheds part of a layer (0..1, drawn at
   *   random): with `shed` 1.5, the viewers ranked under 0.5 lose two layers, the others one.
   */
  constructor(
    choice: VideoQuality = 'AUTO',
    private readonly rank = Math.random(),
  ) {
    this.choice = choice;
  }

  get quality(): VideoQuality {
    return this.choice;
  }

  /** The rate to fill the viewer's link to while probing (kbit/s), or 0. */
  get probeKbps(): number {
    return this.probe?.kbps ?? 0;
  }

  setQuality(choice: VideoQuality, now: number): void {
    this.choice = choice;
    this.cleanSince = now;
    this.recentLoss = [];
    this.probe = undefined;
    if (choice === 'AUTO') this.target = undefined;
  }

  /**
   * The layer to forward now. `sent`: what the publisher sends now, highest first (possibly
   * empty); `window`: the last feedback window, if any; `shed`: top layers the worker takes off
   * while it is overloaded (load-governor.ts; a fraction: for that share of its viewers, by
   * rank; the lowest layer always stays).
   */
  update(
    sent: AllocatorLayer[],
    now: number,
    window?: FeedbackWindow,
    shed = 0,
  ): string | undefined {
    this.congested = false;
    if (sent.length === 0) {
      this.probe = undefined;
      return (this.target = undefined);
    }
    const layers = afterShedding(sent, Math.floor(shed) + (this.rank < shed % 1 ? 1 : 0));
    if (this.choice !== 'AUTO') {
      this.probe = undefined;
      return (this.target = nearest(layers, this.choice).key);
    }
    let index = layers.findIndex((l) => l.key === this.target);
    if (index < 0 && sent.some((l) => l.key === this.target)) {
      // Its layer was shed (the worker, not the viewer's link, is short): the highest layer
      // left, with no backoff; the allocator climbs again once the worker gives layers back.
      this.probe = undefined;
      this.recentLoss = [];
      this.lastUpgrade = undefined;
      this.cleanSince = now;
      return (this.target = layers[0].key);
    }
    if (index < 0) {
      // First pick (or the layer stopped): start in the middle, then climb.
      index = Math.max(0, layers.indexOf(sent[Math.floor(sent.length / 2)]));
      this.cleanSince = now;
      this.target = layers[index].key;
      return this.target;
    }
    if (!window) return this.target;
    // Too few packets to measure a loss rate: a window that lost some is not judged; one that
    // lost none counts as clean (a low layer of a still picture sends a few packets a second).
    if (window.reported < ALLOCATION.minPackets && window.lost + window.nacked > 0)
      return this.target;
    const dropped = window.reported > 0 ? window.lost / window.reported : 0;
    const loss = window.reported > 0 ? Math.max(window.lost, window.nacked) / window.reported : 0;
    if (this.probe) return this.judgeProbe(layers, loss, window.queueMs ?? 0, now);
    if (dropped >= ALLOCATION.severeLoss)
      // Congestion: straight to the lowest layer (one keyframe wait, not one per step; what got
      // through in the first lossy window overstates the link), then probes climb back.
      return this.moveDown(layers, index, layers.length - 1, now, true);
    this.recentLoss = [...this.recentLoss, loss].slice(-ALLOCATION.sustainedWindows);
    // Lasting loss, not a moment's: over the last windows (2 s) the loss averages >= 3 % and more
    // than one window had it (a stall of the viewer's machine NACKs a burst in one window).
    const mean = this.recentLoss.reduce((sum, l) => sum + l, 0) / this.recentLoss.length;
    const lossy = this.recentLoss.filter((l) => l >= ALLOCATION.sustainedLoss).length;
    if (
      this.recentLoss.length === ALLOCATION.sustainedWindows &&
      mean >= ALLOCATION.sustainedLoss &&
      lossy >= 2
    )
      return this.moveDown(layers, index, Math.min(index + 1, layers.length - 1), now);
    if (loss >= ALLOCATION.sustainedLoss) {
      this.cleanSince = undefined;
      return this.target;
    }
    if (loss >= ALLOCATION.cleanLoss) {
      this.cleanSince = undefined;
      return this.target;
    }
    this.cleanSince ??= now;
    if (index > 0) {
      const up = layers[index - 1];
      const wait = this.upWait.get(up.key) ?? ALLOCATION.upAfterMs;
      if (now - this.cleanSince >= wait)
        this.probe = {
          key: up.key,
          kbps: up.bitrateKbps * ALLOCATION.probeHeadroom,
          until: now + ALLOCATION.probeMs,
        };
    }
    return this.target;
  }

  /**
   * During a probe: a window that lost packets or queued them ends it (no switch, a longer
   * wait); clean ones until its end commit it.
   */
  private judgeProbe(
    layers: AllocatorLayer[],
    loss: number,
    queueMs: number,
    now: number,
  ): string | undefined {
    const probe = this.probe;
    if (!probe) return this.target;
    if (
      loss >= ALLOCATION.sustainedLoss ||
      queueMs >= ALLOCATION.probeMaxQueueMs ||
      !layers.some((l) => l.key === probe.key)
    ) {
      this.probe = undefined;
      const wait = this.upWait.get(probe.key) ?? ALLOCATION.upAfterMs;
      this.upWait.set(probe.key, Math.min(wait * 2, ALLOCATION.maxUpWaitMs));
      this.cleanSince = now;
      return this.target;
    }
    if (now >= probe.until) {
      this.probe = undefined;
      // The link carries more than it did: the waits that earlier failures set for this layer
      // and the ones above it are history (a viewer freed from a congested link climbs back
      // step by step at the normal pace, not at the backed-off one).
      const at = layers.findIndex((l) => l.key === probe.key);
      for (const layer of layers.slice(0, at + 1)) this.upWait.delete(layer.key);
      this.target = probe.key;
      this.lastUpgrade = { key: probe.key, at: now };
      this.cleanSince = now;
    }
    return this.target;
  }

  /** `congested`: the link is full (severe loss): the current layer stops at once. */
  private moveDown(
    layers: AllocatorLayer[],
    from: number,
    to: number,
    now: number,
    congested = false,
  ): string {
    const left = layers[from];
    if (
      this.lastUpgrade?.key === left.key &&
      now - this.lastUpgrade.at < ALLOCATION.failedUpgradeMs
    ) {
      const wait = this.upWait.get(left.key) ?? ALLOCATION.upAfterMs;
      this.upWait.set(left.key, Math.min(wait * 2, ALLOCATION.maxUpWaitMs));
    }
    this.lastUpgrade = undefined;
    this.recentLoss = [];
    this.cleanSince = now;
    this.congested = congested && to !== from;
    this.target = layers[to].key;
    return this.target;
  }
}

const ORDER: LayerQuality[] = ['HIGH', 'MEDIUM', 'LOW'];

/** The layer of that quality, else the nearest one sent (ties: the lower one). */
export function nearest(layers: AllocatorLayer[], quality: LayerQuality): AllocatorLayer {
  const wanted = ORDER.indexOf(quality);
  let best = layers[0];
  let distance = Infinity;
  for (const layer of layers) {
    const d = Math.abs(ORDER.indexOf(layer.quality) - wanted);
    if (d < distance || (d === distance && ORDER.indexOf(layer.quality) > wanted)) {
      best = layer;
      distance = d;
    }
  }
  return best;
}

/** Qualities for n layers sorted highest first: 1 -> HIGH; 2 -> HIGH, LOW; 3 -> HIGH, MEDIUM, LOW. */
export function qualitiesFor(count: number): LayerQuality[] {
  if (count <= 1) return ['HIGH'];
  if (count === 2) return ['HIGH', 'LOW'];
  return ['HIGH', 'MEDIUM', 'LOW'];
}

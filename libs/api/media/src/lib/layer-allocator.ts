import type { LayerQuality, VideoQuality } from './protocol';

/**
 * Which simulcast layer one viewer gets (pure logic, fed every ~500 ms by the room).
 *
 * Like LiveKit's stream allocator and mediasoup's simulcast consumer, but loss-driven and simple:
 * the SFU learns what the viewer's downlink carries from the viewer's transport-wide feedback
 * (which of our packets arrived), and
 * - goes DOWN fast: at once when a window loses >= 10 % (to the highest layer that fits in 85 %
 *   of what got through, at least one step), or after two windows in a row losing >= 4 %;
 * - goes UP carefully: one step after 3 s in a row under 2 % loss; an upgrade that fails within
 *   8 s doubles the wait before trying that layer again (up to 12 s), so a viewer on a link that
 *   cannot carry the next layer is not bounced every few seconds, yet climbs back within seconds
 *   once the link is freed.
 * A pinned quality (HIGH, MEDIUM, LOW) takes that layer, or the nearest one the publisher sends.
 */
export const ALLOCATION = {
  /** Loss in one window that moves down at once. */
  severeLoss: 0.1,
  /** Loss in two consecutive windows that moves down one step. */
  sustainedLoss: 0.04,
  /** Loss under which a window counts as clean. */
  cleanLoss: 0.02,
  /** Clean time before trying the next layer up. */
  upAfterMs: 3000,
  /** An upgrade followed by a downgrade within this time failed. */
  failedUpgradeMs: 8000,
  maxUpWaitMs: 12_000,
  /** Share of the measured delivered rate a layer may use when moving down. */
  headroom: 0.85,
  /** Fewer packets than this in a window: no decision on loss. */
  minPackets: 10,
} as const;

export interface AllocatorLayer {
  key: string;
  quality: LayerQuality;
  bitrateKbps: number;
}

/** One feedback window of a viewer's video: packets we sent that it reported, and how many were lost. */
export interface FeedbackWindow {
  reported: number;
  lost: number;
  /** The video we sent it over the window, kbit/s. */
  sentKbps: number;
}

export class LayerAllocator {
  private choice: VideoQuality;
  private target?: string;
  private cleanSince?: number;
  private lossyWindows = 0;
  private lastUpgrade?: { key: string; at: number };
  private readonly upWait = new Map<string, number>();

  constructor(choice: VideoQuality = 'AUTO') {
    this.choice = choice;
  }

  get quality(): VideoQuality {
    return this.choice;
  }

  setQuality(choice: VideoQuality, now: number): void {
    this.choice = choice;
    this.cleanSince = now;
    this.lossyWindows = 0;
    if (choice === 'AUTO') this.target = undefined;
  }

  /**
   * The layer to forward now. `layers`: what the publisher sends now, highest first (possibly
   * empty); `window`: the last feedback window, if any.
   */
  update(layers: AllocatorLayer[], now: number, window?: FeedbackWindow): string | undefined {
    if (layers.length === 0) return (this.target = undefined);
    if (this.choice !== 'AUTO') return (this.target = nearest(layers, this.choice).key);
    let index = layers.findIndex((l) => l.key === this.target);
    if (index < 0) {
      // First pick (or the layer stopped): start in the middle, then climb.
      index = Math.min(Math.floor(layers.length / 2), layers.length - 1);
      this.cleanSince = now;
      this.target = layers[index].key;
      return this.target;
    }
    if (!window || window.reported < ALLOCATION.minPackets) return this.target;
    const loss = window.lost / window.reported;
    if (loss >= ALLOCATION.severeLoss) {
      const delivered = window.sentKbps * (1 - loss) * ALLOCATION.headroom;
      let next = layers.findIndex((l, i) => i > index && l.bitrateKbps <= delivered);
      if (next < 0) next = layers.length - 1;
      return this.moveDown(
        layers,
        index,
        Math.max(next, Math.min(index + 1, layers.length - 1)),
        now,
      );
    }
    if (loss >= ALLOCATION.sustainedLoss) {
      this.cleanSince = undefined;
      if (++this.lossyWindows >= 2)
        return this.moveDown(layers, index, Math.min(index + 1, layers.length - 1), now);
      return this.target;
    }
    this.lossyWindows = 0;
    if (loss >= ALLOCATION.cleanLoss) {
      this.cleanSince = undefined;
      return this.target;
    }
    this.cleanSince ??= now;
    if (index > 0) {
      const up = layers[index - 1];
      const wait = this.upWait.get(up.key) ?? ALLOCATION.upAfterMs;
      if (now - this.cleanSince >= wait) {
        this.target = up.key;
        this.lastUpgrade = { key: up.key, at: now };
        this.cleanSince = now;
      }
    }
    return this.target;
  }

  private moveDown(layers: AllocatorLayer[], from: number, to: number, now: number): string {
    const left = layers[from];
    if (
      this.lastUpgrade?.key === left.key &&
      now - this.lastUpgrade.at < ALLOCATION.failedUpgradeMs
    ) {
      const wait = this.upWait.get(left.key) ?? ALLOCATION.upAfterMs;
      this.upWait.set(left.key, Math.min(wait * 2, ALLOCATION.maxUpWaitMs));
    }
    this.lastUpgrade = undefined;
    this.lossyWindows = 0;
    this.cleanSince = now;
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

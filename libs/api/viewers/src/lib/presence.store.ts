import { Injectable } from '@nestjs/common';

export interface PresenceChange {
  /** Distinct viewers of the stream after the change. */
  count: number;
  /** The viewer became present (join) or absent (leave) with this change. */
  edge: boolean;
}

/**
 * Who watches what, in this process: per stream, a reference count per distinct viewer key
 * (`user:<id>` for a signed-in user, whatever the number of tabs; `conn:<id>` per anonymous
 * connection). The count of a stream is the number of keys present. O(1) per join/leave.
 */
@Injectable()
export class PresenceStore {
  private readonly streams = new Map<string, Map<string, number>>();

  join(streamId: string, viewerKey: string): PresenceChange {
    let viewers = this.streams.get(streamId);
    if (!viewers) this.streams.set(streamId, (viewers = new Map<string, number>()));
    const refs = (viewers.get(viewerKey) ?? 0) + 1;
    viewers.set(viewerKey, refs);
    return { count: viewers.size, edge: refs === 1 };
  }

  leave(streamId: string, viewerKey: string): PresenceChange {
    const viewers = this.streams.get(streamId);
    const refs = viewers?.get(viewerKey);
    if (!viewers || refs === undefined) return { count: viewers?.size ?? 0, edge: false };
    if (refs > 1) {
      viewers.set(viewerKey, refs - 1);
      return { count: viewers.size, edge: false };
    }
    viewers.delete(viewerKey);
    if (viewers.size === 0) this.streams.delete(streamId);
    return { count: viewers.size, edge: true };
  }

  count(streamId: string): number {
    return this.streams.get(streamId)?.size ?? 0;
  }

  /** Every viewer key present on a stream (used when a stream ends). */
  viewers(streamId: string): string[] {
    return [...(this.streams.get(streamId)?.keys() ?? [])];
  }

  streamIds(): string[] {
    return [...this.streams.keys()];
  }
}

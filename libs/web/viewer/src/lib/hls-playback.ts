import { Injectable } from '@angular/core';

import { bufferAhead, type HlsReading } from './hls-controls';
import { hlsEngineOf, type HlsEngine } from './playback-mode';

const HLS_TYPE = 'application/vnd.apple.mpegurl';

/** HLS playing into a video element; `destroy` stops it and frees the element. */
export interface HlsAttachment {
  destroy(): void;
  /** Where playback is in the DVR window, and the playback figures; null before a playlist. */
  read(): HlsReading | null;
  /** Plays from `position` (media seconds). */
  seek(position: number): void;
}

/** The video element's own figures, whatever plays into it. */
function frames(video: HTMLVideoElement): { droppedFrames: number; totalFrames: number } {
  const quality = video.getVideoPlaybackQuality?.();
  return {
    droppedFrames: quality?.droppedVideoFrames ?? 0,
    totalFrames: quality?.totalVideoFrames ?? 0,
  };
}

function seekVideo(video: HTMLVideoElement, position: number): void {
  video.currentTime = position;
  video.play().catch(() => undefined);
}

/**
 * Low-latency HLS in a video element: hls.js (`lowLatencyMode`), loaded only when first needed so
 * the main bundle does not carry it, or the browser's own player (see `hlsEngineOf`).
 */
@Injectable({ providedIn: 'root' })
export class HlsPlayback {
  /** How this browser plays HLS (null: not at all). */
  engine(video: HTMLVideoElement): HlsEngine | null {
    return hlsEngineOf({
      mediaSource: typeof MediaSource !== 'undefined',
      nativeHls: video.canPlayType(HLS_TYPE) !== '',
    });
  }

  /**
   * Plays `url` in `video`. `onFatal` is called once when playing cannot go on (the playlist or
   * its parts cannot be had); a decoding error is recovered from by hls.js itself first.
   */
  async attach(
    video: HTMLVideoElement,
    url: string,
    engine: HlsEngine,
    onFatal: (details: string) => void,
  ): Promise<HlsAttachment> {
    video.srcObject = null;
    if (engine === 'native') {
      const onError = () => onFatal(video.error?.message || 'native playback error');
      video.addEventListener('error', onError);
      video.src = url;
      video.play().catch(() => undefined);
      return {
        destroy: () => {
          video.removeEventListener('error', onError);
          video.removeAttribute('src');
          video.load();
        },
        // Safari's player: the seekable range is the window, its end the live edge.
        read: () => {
          const seekable = video.seekable;
          if (seekable.length === 0) return null;
          const start = seekable.start(0);
          const end = seekable.end(seekable.length - 1);
          return {
            start,
            end,
            live: end,
            current: video.currentTime,
            level: null,
            bufferSeconds: bufferAhead(video.buffered, video.currentTime),
            latencySeconds: Math.max(0, end - video.currentTime),
            ...frames(video),
          };
        },
        seek: (position) => seekVideo(video, position),
      };
    }
    const { default: Hls } = await import('hls.js');
    const hls = new Hls({ lowLatencyMode: true });
    let recovered = false;
    let failed = false;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal || failed) return;
      // One decoding hiccup (a part appended out of step) is worth a recovery, not a restart.
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
        return;
      }
      failed = true;
      onFatal(data.details);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => undefined);
    return {
      destroy: () => hls.destroy(),
      read: () => {
        const details = hls.latestLevelDetails;
        if (!details || details.fragments.length === 0) return null;
        const start = details.fragmentStart;
        const end = details.edge;
        const level = hls.levels[hls.currentLevel] ?? hls.levels[hls.loadLevel];
        return {
          start,
          end,
          live: Math.min(hls.liveSyncPosition ?? end, end),
          current: video.currentTime,
          level: level
            ? {
                index: hls.levels.indexOf(level),
                width: level.width,
                height: level.height,
                bitrateKbps: Math.round(level.bitrate / 1000),
              }
            : null,
          bufferSeconds: bufferAhead(video.buffered, video.currentTime),
          latencySeconds: Math.max(0, hls.latency),
          ...frames(video),
        };
      },
      seek: (position) => seekVideo(video, position),
    };
  }
}

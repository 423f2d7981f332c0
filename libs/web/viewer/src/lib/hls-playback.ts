import { Injectable } from '@angular/core';

import { hlsEngineOf, type HlsEngine } from './playback-mode';

const HLS_TYPE = 'application/vnd.apple.mpegurl';

/** HLS playing into a video element; `destroy` stops it and frees the element. */
export interface HlsAttachment {
  destroy(): void;
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
    return { destroy: () => hls.destroy() };
  }
}

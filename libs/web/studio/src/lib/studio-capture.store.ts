import { DestroyRef, inject, Injectable, signal } from '@angular/core';

import { openCapture, type Capture } from './capture';

/** What a capture that could not be opened says, in the app's language. */
export function captureErrorMessage(error: unknown): string {
  return error instanceof Error && error.name === 'NotAllowedError'
    ? $localize`:@@studio.capture.refused:Camera or screen access was refused. Allow it in the browser and try again.`
    : $localize`:@@studio.capture.none:No camera or screen available.`;
}

/**
 * The console's capture (provided by the studio page): the devices chosen (camera or screen, the
 * camera in the corner, camera and microphone), the devices the browser has, and the opened
 * capture that is previewed and published (see `openCapture`). Released with the page.
 */
@Injectable()
export class StudioCaptureStore {
  readonly source = signal<'camera' | 'screen'>('camera');
  /** For screen sharing: the camera in a corner of the screen. */
  readonly withCamera = signal(true);
  readonly cameraId = signal<string | undefined>(undefined);
  readonly microphoneId = signal<string | undefined>(undefined);
  readonly cameras = signal<MediaDeviceInfo[]>([]);
  readonly microphones = signal<MediaDeviceInfo[]>([]);
  /** Why the last capture could not be opened; null when it opened. */
  readonly error = signal<string | null>(null);
  readonly hasPreview = signal(false);
  /** What the preview shows: the opened capture's stream. */
  readonly stream = signal<MediaStream | null>(null);

  private opened?: Capture;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.opened?.stop());
  }

  /** The capture opened last (kept when opening another one fails). */
  get current(): Capture | undefined {
    return this.opened;
  }

  /**
   * Opens the chosen devices and replaces the previous capture with them, then runs `afterOpen`
   * (the page publishes the new tracks when live). A failure of either shows as the capture's
   * error.
   */
  async open(afterOpen: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    this.error.set(null);
    try {
      const capture = await openCapture({
        source: this.source(),
        cameraId: this.cameraId(),
        microphoneId: this.microphoneId(),
        withCamera: this.withCamera(),
      });
      this.opened?.stop();
      this.opened = capture;
      this.hasPreview.set(true);
      this.stream.set(capture.stream);
      await this.listDevices();
      // Show which devices the browser picked when none was chosen.
      if (this.source() === 'camera') {
        this.cameraId.set(capture.stream.getVideoTracks()[0]?.getSettings().deviceId);
      }
      this.microphoneId.set(capture.stream.getAudioTracks()[0]?.getSettings().deviceId);
      await afterOpen();
    } catch (error) {
      this.hasPreview.set(false);
      this.error.set(captureErrorMessage(error));
    }
  }

  private async listDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    this.cameras.set(devices.filter((device) => device.kind === 'videoinput'));
    this.microphones.set(devices.filter((device) => device.kind === 'audioinput'));
  }
}

import type { VideoContent } from '@finserve/web/media';

/** Camera and microphone, or a shared screen with the camera in a corner. */
export interface CaptureChoice {
  source: 'camera' | 'screen';
  cameraId?: string;
  microphoneId?: string;
  /** For screen sharing: show the camera over the screen. */
  withCamera: boolean;
}

export interface Capture {
  /** What is published and previewed. */
  stream: MediaStream;
  /** How the video is encoded: a screen keeps its resolution (see `simulcastEncodings`). */
  content: VideoContent;
  stop(): void;
}

/**
 * A screen's video is text and charts: `detail` tells the encoder to keep edges sharp (and the
 * browser to treat it as screen content). Not `text`: a trading screen also has moving charts
 * and embedded video, which `text`-tuned encoders (screen-content tools) handle worse.
 */
const SCREEN_HINT = 'detail';

/**
 * The audio of a capture: the microphone and, when the user shared one, the screen's (tab or
 * system) audio, mixed into one stereo track, so the streamer can talk over a shared video.
 * Mixing needs an AudioContext; its closing is part of `stop`.
 */
function mixAudio(tracks: MediaStreamTrack[]): { tracks: MediaStreamTrack[]; close(): void } {
  if (tracks.length < 2) return { tracks, close: () => undefined };
  // No Web Audio: the screen's sound (the last), as the user asked for it in the picker.
  if (typeof AudioContext === 'undefined')
    return { tracks: tracks.slice(-1), close: () => undefined };
  // The streamer has clicked "Screen" by now, so the context may start (autoplay policy).
  const context = new AudioContext();
  const destination = context.createMediaStreamDestination();
  for (const track of tracks) {
    context.createMediaStreamSource(new MediaStream([track])).connect(destination);
  }
  void context.resume().catch(() => undefined);
  return { tracks: destination.stream.getAudioTracks(), close: () => void context.close() };
}

/**
 * The screen, with the tab's or the system's sound when the user ticks it in the browser's
 * picker. A browser that cannot capture sound and refuses to be asked (rather than ignoring it)
 * is asked again for the picture alone.
 */
async function displayMedia(): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
  } catch (error) {
    if (
      error instanceof Error &&
      (error.name === 'TypeError' || error.name === 'NotSupportedError')
    )
      return navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    throw error;
  }
}

function stopAll(...streams: (MediaStream | null)[]): void {
  for (const stream of streams) stream?.getTracks().forEach((track) => track.stop());
}

function constraint(id?: string): MediaTrackConstraints | boolean {
  return id ? { deviceId: { exact: id } } : true;
}

/** Opens the chosen devices (the browser asks for permission the first time). */
export async function openCapture(choice: CaptureChoice): Promise<Capture> {
  const audio = await navigator.mediaDevices
    .getUserMedia({ audio: constraint(choice.microphoneId), video: false })
    .catch(() => null);
  if (choice.source === 'camera') {
    const camera = await navigator.mediaDevices.getUserMedia({
      video: choice.cameraId
        ? { deviceId: { exact: choice.cameraId }, width: { ideal: 1280 }, height: { ideal: 720 } }
        : { width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
    const stream = new MediaStream([
      ...camera.getVideoTracks(),
      ...(audio?.getAudioTracks() ?? []),
    ]);
    return {
      stream,
      content: 'camera',
      stop: () => stream.getTracks().forEach((track) => track.stop()),
    };
  }
  const screen = await displayMedia();
  for (const track of screen.getVideoTracks()) track.contentHint = SCREEN_HINT;
  const sound = mixAudio([...(audio?.getAudioTracks() ?? []), ...screen.getAudioTracks()]);
  if (!choice.withCamera) {
    const stream = new MediaStream([...screen.getVideoTracks(), ...sound.tracks]);
    return {
      stream,
      content: 'screen',
      stop: () => {
        stopAll(screen, audio, stream);
        sound.close();
      },
    };
  }
  const camera = await navigator.mediaDevices
    .getUserMedia({ video: constraint(choice.cameraId), audio: false })
    .catch((error: unknown) => {
      stopAll(screen, audio);
      sound.close();
      throw error;
    });
  const drawn = composite(screen, camera, sound.tracks);
  return {
    ...drawn,
    stop: () => {
      drawn.stop();
      stopAll(audio);
      sound.close();
    },
  };
}

/** The composite's largest canvas: drawing a 4K screen 30 times a second would load the CPU. */
const MAX_CANVAS = { width: 1920, height: 1080 };

/**
 * Screen with the camera bottom-right, drawn into one canvas track (the SFU takes one video).
 * The canvas has the screen's size (up to 1080p, aspect kept), so the top simulcast layer keeps
 * the screen's resolution.
 */
function composite(
  screen: MediaStream,
  camera: MediaStream,
  audioTracks: MediaStreamTrack[],
): Capture {
  const screenVideo = document.createElement('video');
  const cameraVideo = document.createElement('video');
  for (const [element, source] of [
    [screenVideo, screen],
    [cameraVideo, camera],
  ] as const) {
    element.muted = true;
    element.playsInline = true;
    element.srcObject = source;
    void element.play();
  }
  const canvas = document.createElement('canvas');
  const settings = screen.getVideoTracks()[0]?.getSettings();
  const sourceWidth = settings?.width ?? 1280;
  const sourceHeight = settings?.height ?? 720;
  const fit = Math.min(1, MAX_CANVAS.width / sourceWidth, MAX_CANVAS.height / sourceHeight);
  canvas.width = Math.round(sourceWidth * fit);
  canvas.height = Math.round(sourceHeight * fit);
  const context = canvas.getContext('2d');
  const timer = setInterval(() => {
    if (!context) return;
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (screenVideo.videoWidth) context.drawImage(screenVideo, 0, 0, canvas.width, canvas.height);
    if (cameraVideo.videoWidth) {
      const width = canvas.width / 4;
      const height = (width * cameraVideo.videoHeight) / cameraVideo.videoWidth;
      context.drawImage(
        cameraVideo,
        canvas.width - width - 16,
        canvas.height - height - 16,
        width,
        height,
      );
    }
  }, 1000 / 30);
  const video = canvas.captureStream(30).getVideoTracks();
  for (const track of video) track.contentHint = SCREEN_HINT;
  const stream = new MediaStream([...video, ...audioTracks]);
  return {
    stream,
    content: 'screen',
    stop: () => {
      clearInterval(timer);
      stopAll(screen, camera, stream);
    },
  };
}

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
  stop(): void;
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
    return { stream, stop: () => stream.getTracks().forEach((track) => track.stop()) };
  }
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  if (!choice.withCamera) {
    const stream = new MediaStream([
      ...screen.getVideoTracks(),
      ...(audio?.getAudioTracks() ?? []),
    ]);
    return { stream, stop: () => stream.getTracks().forEach((track) => track.stop()) };
  }
  const camera = await navigator.mediaDevices.getUserMedia({
    video: constraint(choice.cameraId),
    audio: false,
  });
  return composite(screen, camera, audio);
}

/** Screen with the camera bottom-right, drawn into one canvas track (the SFU takes one video). */
function composite(screen: MediaStream, camera: MediaStream, audio: MediaStream | null): Capture {
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
  canvas.width = 1280;
  canvas.height = 720;
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
  const stream = new MediaStream([
    ...canvas.captureStream(30).getVideoTracks(),
    ...(audio?.getAudioTracks() ?? []),
  ]);
  return {
    stream,
    stop: () => {
      clearInterval(timer);
      for (const source of [screen, camera, stream]) source.getTracks().forEach((t) => t.stop());
    },
  };
}

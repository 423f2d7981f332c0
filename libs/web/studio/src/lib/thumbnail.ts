/** Size of the uploaded frame (the list cards are 16:9; the aspect of the video is kept). */
const MAX_WIDTH = 480;
const MAX_HEIGHT = 270;
const QUALITY = 0.7;

/** The frame the video shows now as a JPEG, at most 480x270; null when it has no picture yet. */
export function captureFrame(video: HTMLVideoElement): Promise<Blob | null> {
  const { videoWidth, videoHeight } = video;
  if (!videoWidth || !videoHeight) return Promise.resolve(null);
  const scale = Math.min(1, MAX_WIDTH / videoWidth, MAX_HEIGHT / videoHeight);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(videoWidth * scale));
  canvas.height = Math.max(1, Math.round(videoHeight * scale));
  const context = canvas.getContext('2d');
  if (!context) return Promise.resolve(null);
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
}

/**
 * Uploads the preview's current frame as the LIVE stream's thumbnail (PUT /streams/:id/thumbnail).
 * Best effort: any failure is only logged at debug level. True when the server took it.
 */
export async function uploadThumbnail(
  streamId: string,
  video: HTMLVideoElement | undefined,
  accessToken: () => Promise<string | null>,
): Promise<boolean> {
  try {
    const frame = video ? await captureFrame(video) : null;
    const token = frame ? await accessToken() : null;
    if (!frame || !token) return false;
    const response = await fetch(`/streams/${encodeURIComponent(streamId)}/thumbnail`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${token}` },
      body: frame,
    });
    if (!response.ok) console.debug(`thumbnail upload refused: ${response.status}`);
    return response.ok;
  } catch (error) {
    console.debug('thumbnail upload failed', error);
    return false;
  }
}

/** A new frame this long after the last one the server took. */
export const THUMBNAIL_PERIOD_MS = 30_000;
/** After a failed try (no picture yet, a refusal, the network), the next one this soon. */
export const THUMBNAIL_RETRY_MS = 3_000;

/** Whether to take a frame now (pure: unit-tested): never yet, or a period after the last. */
export function thumbnailDue(lastUploadedAt: number | null, now: number): boolean {
  return lastUploadedAt === null || now - lastUploadedAt >= THUMBNAIL_PERIOD_MS;
}

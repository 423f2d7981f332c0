import { encode } from 'jpeg-js';

import { normalizeThumbnail } from '@finserve/api/streams';

import type { RunningApp } from '../src/bootstrap';
import { END_STREAM, gql, liveStream, registerUser } from './support/graphql-client';
import { freePort, spawnServer, waitForHealth } from './support/process';
import { startTestApp, testEnv } from './support/test-app';

/** A real JPEG frame of one grey level (`fill`), `width` x `height` pixels. */
const jpeg = (fill: number, width = 64, height = 36): Buffer =>
  encode({ width, height, data: Buffer.alloc(width * height * 4, (fill * 37) % 256) }, 80).data;
/** What the server keeps of an upload: the frame re-encoded from its pixels. */
const stored = (upload: Buffer): Buffer => {
  const image = normalizeThumbnail(upload);
  if (!image.ok) throw new Error(image.reason);
  return image.jpeg;
};
/** The old check's idea of a JPEG: SOI and a marker, then anything. */
const fakeJpeg = (size: number, fill = 7): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size, fill)]);

const THUMBNAIL_URL = /* GraphQL */ `
  query Thumb($id: ID!) {
    stream(id: $id) {
      thumbnailUrl
    }
  }
`;

describe('thumbnails: the console uploads the latest frame of a LIVE stream', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterAll(() => running?.close());

  const put = (
    streamId: string,
    body: Buffer,
    token?: string,
    contentType = 'image/jpeg',
  ): Promise<Response> =>
    fetch(`${url}/streams/${streamId}/thumbnail`, {
      method: 'PUT',
      headers: {
        'content-type': contentType,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: new Uint8Array(body),
    });

  const thumbnailUrl = async (streamId: string): Promise<string | null> => {
    const response = await gql<{ stream: { thumbnailUrl: string | null } }>(url, THUMBNAIL_URL, {
      id: streamId,
    });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.stream.thumbnailUrl;
  };

  it('stores the frame (204), serves its bytes as image/jpeg, and versions thumbnailUrl per upload', async () => {
    const { streamer, streamId } = await liveStream(url, 'Thumbs up');
    expect(await thumbnailUrl(streamId)).toBeNull();
    expect((await fetch(`${url}/thumbnails/${streamId}.jpg`)).status).toBe(404);

    const first = jpeg(1);
    expect((await put(streamId, first, streamer.token)).status).toBe(204);
    const firstUrl = await thumbnailUrl(streamId);
    expect(firstUrl).toMatch(new RegExp(`^/thumbnails/${streamId}\\.jpg\\?v=\\d+$`));

    const served = await fetch(`${url}${firstUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^image\/jpeg/);
    expect(served.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(stored(first));

    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = jpeg(2, 128, 72);
    expect((await put(streamId, second, streamer.token)).status).toBe(204);
    const secondUrl = await thumbnailUrl(streamId);
    expect(secondUrl).not.toBe(firstUrl);
    const again = await fetch(`${url}${secondUrl}`);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(stored(second));
  });

  it('serves a frame uploaded through one API instance from another (own DATA_DIR, same database)', async () => {
    const port = await freePort();
    const other = spawnServer(testEnv({ PORT: String(port), LOG_LEVEL: 'warn' }));
    try {
      await waitForHealth(other, port);
      const { streamer, streamId } = await liveStream(url, 'Two instances');
      const frame = jpeg(9, 1000);
      expect((await put(streamId, frame, streamer.token)).status).toBe(204);
      const served = await fetch(`http://127.0.0.1:${port}${await thumbnailUrl(streamId)}`);
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer())).toEqual(stored(frame));
    } finally {
      other.child.kill('SIGTERM');
      await other.exited;
    }
  }, 90_000);

  it('refuses a missing or bad token (401) and another user (403), who cannot overwrite the frame', async () => {
    const { streamer, streamId } = await liveStream(url);
    expect((await put(streamId, jpeg(3), streamer.token)).status).toBe(204);
    const before = await thumbnailUrl(streamId);

    expect((await put(streamId, jpeg(4))).status).toBe(401);
    expect((await put(streamId, jpeg(4), 'not-a-token')).status).toBe(401);
    const other = await registerUser(url, 'other');
    const forbidden = await put(streamId, jpeg(4), other.token);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).not.toMatch(/at .*\.ts|SELECT|stack/i);

    expect(await thumbnailUrl(streamId)).toBe(before);
    const served = await fetch(`${url}/thumbnails/${streamId}.jpg`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(stored(jpeg(3)));
  });

  it('answers 404 for an unknown or malformed stream id, and for an unknown thumbnail', async () => {
    const user = await registerUser(url);
    expect((await put('00000000-0000-4000-8000-000000000000', jpeg(5), user.token)).status).toBe(
      404,
    );
    expect((await put('not-a-uuid', jpeg(5), user.token)).status).toBe(404);
    expect((await fetch(`${url}/thumbnails/00000000-0000-4000-8000-000000000000.jpg`)).status).toBe(
      404,
    );
    const notFile = await fetch(`${url}/thumbnails/whatever.png`);
    expect(notFile.status).toBe(404);
    // Not swallowed by the web app's index.html fallback.
    expect(notFile.headers.get('content-type')).not.toMatch(/text\/html/);
  });

  it('answers 409 once the stream is no longer LIVE', async () => {
    const { streamer, streamId } = await liveStream(url);
    await gql(url, END_STREAM, { id: streamId }, streamer.token);
    expect((await put(streamId, jpeg(6), streamer.token)).status).toBe(409);
  });

  it('answers 413 for a body over 256 KiB and 415 for another type or non-JPEG bytes', async () => {
    const { streamer, streamId } = await liveStream(url);
    expect((await put(streamId, fakeJpeg(256 * 1024 + 1), streamer.token)).status).toBe(413);
    expect((await put(streamId, jpeg(7), streamer.token, 'image/png')).status).toBe(415);
    expect((await put(streamId, Buffer.from('GIF89a....'), streamer.token)).status).toBe(415);
    expect(await thumbnailUrl(streamId)).toBeNull();
  });

  it('decodes every upload: refuses non-JPEG bytes behind a JPEG signature (415) and odd sizes (400), and keeps only the pixels of a polyglot', async () => {
    // (Five uploads: the sixth of a minute would be rate limited.)
    const { streamer, streamId } = await liveStream(url);
    // Starts like a JPEG, is an HTML page: accepted by a signature check, not by a decoder.
    const html = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x40]),
      Buffer.from('<html><script>alert(document.cookie)</script></html>'.padEnd(62, ' ')),
    ]);
    expect((await put(streamId, html, streamer.token)).status).toBe(415);
    expect((await put(streamId, jpeg(1).subarray(0, 200), streamer.token)).status).toBe(415);
    expect((await put(streamId, jpeg(1, 8, 8), streamer.token)).status).toBe(400);
    expect((await put(streamId, jpeg(1, 2000, 16), streamer.token)).status).toBe(400);
    expect(await thumbnailUrl(streamId)).toBeNull();

    // A real JPEG carrying HTML in a comment segment and after its end: only pixels are kept.
    const payload = Buffer.from('<html><script>alert(1)</script></html>');
    const frame = jpeg(5, 480, 270);
    const comment = Buffer.concat([
      Buffer.from([0xff, 0xfe, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]),
      payload,
    ]);
    const polyglot = Buffer.concat([frame.subarray(0, 2), comment, frame.subarray(2), payload]);
    expect((await put(streamId, polyglot, streamer.token)).status).toBe(204);
    const served = Buffer.from(
      await (await fetch(`${url}/thumbnails/${streamId}.jpg`)).arrayBuffer(),
    );
    expect(served.includes('<script')).toBe(false);
    expect(served.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(served).toEqual(stored(frame));
  });

  it('limits uploads per stream (429 with Retry-After)', async () => {
    const { streamer, streamId } = await liveStream(url);
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 8 && !refused; i++) {
      const response = await put(streamId, jpeg(8), streamer.token);
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }
    expect(statuses.slice(0, 6)).toEqual([204, 204, 204, 204, 204, 204]);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

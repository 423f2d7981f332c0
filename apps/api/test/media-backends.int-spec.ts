import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

import { MediaBackend } from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import {
  END_STREAM,
  eventually,
  gql,
  liveStream,
  subscribe,
  wsConnect,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const PLAY = `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;
const RECORDING = `query($id: ID!) { stream(id: $id) { recording { status durationSeconds sizeBytes url } } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Peer = { close(): Promise<void> };

async function publishVia(url: string, token: string, streamId: string, peers: Peer[]) {
  const publisher = new SyntheticPublisher();
  peers.push(publisher);
  const response = await gql(url, PUBLISH, { s: streamId, sdp: await publisher.offer() }, token);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  await publisher.answer(response.data?.['publishStream'].sdp as string);
  publisher.start();
  return publisher;
}

async function playVia(url: string, streamId: string, peers: Peer[]) {
  const viewer = new CountingSubscriber();
  peers.push(viewer);
  const response = await gql(url, PLAY, { s: streamId, sdp: await viewer.offer() });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  await viewer.answer(response.data?.['playStream'].sdp as string);
  return Object.assign(viewer, { sessionId: response.data?.['playStream'].sessionId as string });
}

const receiving = (viewer: CountingSubscriber, packets: number) =>
  eventually(
    () => (viewer.stats.video >= packets && viewer.stats.keyframes > 0 ? true : undefined),
    10_000,
    50,
  );

describe('recordings in an S3-compatible bucket (RECORDING_STORAGE=s3)', () => {
  const BUCKET = 'finserve-recordings';
  let s3rver: S3rver;
  let s3: S3Client;
  let running: RunningApp;
  const peers: Peer[] = [];

  beforeAll(async () => {
    // s3rver: an S3 API server from npm (path-style, multipart uploads, Range GETs).
    s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: mkdtempSync(join(tmpdir(), 'finserve-s3-')),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3rver.run();
    const endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    running = await startTestApp({
      RECORDING_STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: BUCKET,
      S3_PREFIX: 'replays/',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    await running?.close();
    s3?.destroy();
    await s3rver?.close();
  });

  it('uploads the finished recording to the bucket, removes the local file and redirects the replay to a presigned URL that serves Range requests', async () => {
    const { url } = running;
    const { streamer, streamId } = await liveStream(url, 'recorded to S3');
    await publishVia(url, streamer.token, streamId, peers);
    const viewer = await playVia(url, streamId, peers);
    await receiving(viewer, 30);
    await sleep(3000);
    expect((await gql(url, END_STREAM, { id: streamId }, streamer.token)).errors).toBeUndefined();

    const recording = await eventually(async () => {
      const r = await gql(url, RECORDING, { id: streamId });
      return r.data?.['stream'].recording?.status === 'READY'
        ? (r.data['stream'].recording as {
            durationSeconds: number;
            sizeBytes: number;
            url: string;
          })
        : undefined;
    }, 30_000);
    expect(recording.durationSeconds).toBeGreaterThan(2);
    expect(recording.url).toMatch(/^\/recordings\/[0-9a-f-]{36}\.webm$/);

    // The object is in the bucket, whole; nothing is left on the API's disk.
    const recordingId = /([0-9a-f-]{36})\.webm$/.exec(recording.url)?.[1] as string;
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `replays/${recordingId}.webm` }),
    );
    expect(head.ContentLength).toBe(recording.sizeBytes);
    expect(head.ContentType).toBe('video/webm');
    expect(readdirSync(join(running.config.DATA_DIR, 'recordings'))).toEqual([]);

    // The replay URL redirects to a short-lived presigned GET on the bucket...
    const redirect = await fetch(`${url}${recording.url}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const presigned = new URL(redirect.headers.get('location') as string);
    expect(presigned.pathname).toBe(`/${BUCKET}/replays/${recordingId}.webm`);
    expect(presigned.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(presigned.searchParams.get('X-Amz-Expires')).toBe('3600');

    // ...which a player follows, with Range requests, to the recorded WebM (EBML header).
    const ranged = await fetch(`${url}${recording.url}`, { headers: { range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-3/${recording.sizeBytes}`);
    expect(Buffer.from(await ranged.arrayBuffer()).toString('hex')).toBe('1a45dfa3');
  }, 90_000);
});

describe('an external WHIP/WHEP media service (MEDIA_BACKEND=external)', () => {
  // The external service is a second API instance with the embedded SFU, reached only through
  // its public WHIP and WHEP endpoints (as MediaMTX or a cloud WHIP service would be).
  let media: RunningApp;
  let platform: RunningApp | undefined;
  const peers: Peer[] = [];

  beforeAll(async () => {
    media = await startTestApp();
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    await platform?.close();
    await media?.close();
  });

  it('forwards GraphQL publish and play to the service, whose SFU carries the video, and ends its sessions with the stream', async () => {
    const { streamer, streamId } = await liveStream(media.url, 'through an external SFU');
    // The service's credential for this streamer: a WHIP stream key.
    const key = (await gql(media.url, 'mutation { rotateStreamKey }', {}, streamer.token)).data?.[
      'rotateStreamKey'
    ] as string;
    platform = await startTestApp({
      MEDIA_BACKEND: 'external',
      MEDIA_EXTERNAL_WHIP_URL: `${media.url}/whip/{streamId}`,
      MEDIA_EXTERNAL_WHEP_URL: `${media.url}/whep/{streamId}`,
      MEDIA_EXTERNAL_TOKEN: key,
    });
    const { url } = platform;

    // Authorization stays with the platform: a viewer cannot publish.
    const intruder = await liveStream(url, 'someone else');
    const stranger = new SyntheticPublisher();
    peers.push(stranger);
    const refused = await gql(
      url,
      PUBLISH,
      { s: streamId, sdp: await stranger.offer() },
      intruder.streamer.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await publishVia(url, streamer.token, streamId, peers);
    const viewers = [await playVia(url, streamId, peers), await playVia(url, streamId, peers)];
    await Promise.all(viewers.map((viewer) => receiving(viewer, 30)));

    // The service's SFU holds the publisher and both viewers; the platform runs no SFU.
    const room = async () => {
      const stats = (await media.app.get(MediaBackend).request(streamId, { op: 'stats' })) as {
        rooms: { streamId: string; publisher: boolean; subscribers: number }[];
      };
      return stats.rooms.find((r) => r.streamId === streamId);
    };
    expect(await room()).toMatchObject({ publisher: true, subscribers: 2 });
    expect(platform.app.get(MediaBackend).records).toBe(false);
    const connection = wsConnect(url);
    const events = subscribe<{ mediaEvents: { type: string } }>(
      connection,
      'subscription($id: ID!) { mediaEvents(sessionId: $id) { type } }',
      { id: viewers[0].sessionId },
    );

    // Ending on the platform closes the sessions at the service (DELETE on each resource).
    expect((await gql(url, END_STREAM, { id: streamId }, streamer.token)).errors).toBeUndefined();
    await events.waitFor((event) => event.mediaEvents.type === 'STREAM_ENDED');
    await connection.dispose();
    await eventually(async () => {
      const current = await room();
      return !current || (current.subscribers === 0 && !current.publisher) ? true : undefined;
    }, 10_000);
  }, 90_000);
});

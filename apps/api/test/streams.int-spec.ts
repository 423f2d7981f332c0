import { DataSource } from 'typeorm';

import type { RunningApp } from '../src/bootstrap';
import {
  CREATE_STREAM,
  END_STREAM,
  errorCode,
  gql,
  loginAdmin,
  registerUser,
  START_STREAM,
  STREAM,
  subscribe,
  WATCH_STREAM,
  wsConnect,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

describe('streams: lifecycle, rules and errors', () => {
  let running: RunningApp;
  let url: string;
  let adminToken: string;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
    adminToken = await loginAdmin(url);
  });
  afterAll(() => running?.close());

  it('creates a LIVE stream at once, with its streamer and a running duration', async () => {
    const streamer = await registerUser(url, 'live');
    const created = await gql(
      url,
      CREATE_STREAM,
      { input: { title: '  Gold breakout  ', description: 'levels' } },
      streamer.token,
    );
    expect(created.errors).toBeUndefined();
    const stream = created.data?.['createStream'];
    expect(stream).toMatchObject({
      title: 'Gold breakout',
      description: 'levels',
      status: 'LIVE',
      viewerCount: 0,
      peakViewers: 0,
      endedAt: null,
      streamer: { id: streamer.id, username: streamer.username },
    });
    expect(Date.parse(stream.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(stream.durationSeconds).toBeGreaterThanOrEqual(0);
    const fetched = await gql(url, STREAM, { id: stream.id });
    expect(fetched.data?.['stream'].id).toBe(stream.id);
  });

  it('goes SCHEDULED -> LIVE -> ENDED, and refuses every illegal transition with CONFLICT', async () => {
    const streamer = await registerUser(url, 'sched');
    const scheduledFor = inAnHour();
    const created = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'Weekly outlook', scheduledFor } },
      streamer.token,
    );
    const stream = created.data?.['createStream'];
    expect(stream).toMatchObject({
      status: 'SCHEDULED',
      startedAt: null,
      durationSeconds: 0,
      scheduledFor,
    });
    const id = stream.id as string;

    expect(errorCode(await gql(url, END_STREAM, { id }, streamer.token))).toBe('CONFLICT');
    const started = await gql(url, START_STREAM, { id }, streamer.token);
    expect(started.data?.['startStream']).toMatchObject({ status: 'LIVE' });
    expect(errorCode(await gql(url, START_STREAM, { id }, streamer.token))).toBe('CONFLICT');
    const ended = await gql(url, END_STREAM, { id }, streamer.token);
    expect(ended.data?.['endStream'].status).toBe('ENDED');
    const { startedAt, endedAt, durationSeconds } = ended.data?.['endStream'] ?? {};
    expect(durationSeconds).toBe(Math.floor((Date.parse(endedAt) - Date.parse(startedAt)) / 1000));
    expect(errorCode(await gql(url, END_STREAM, { id }, streamer.token))).toBe('CONFLICT');
    expect(errorCode(await gql(url, START_STREAM, { id }, streamer.token))).toBe('CONFLICT');
  });

  it('lets only the streamer start, the streamer or an admin end (FORBIDDEN otherwise)', async () => {
    const streamer = await registerUser(url, 'owner');
    const other = await registerUser(url, 'other');
    const scheduled = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'Later', scheduledFor: inAnHour() } },
      streamer.token,
    );
    const id = scheduled.data?.['createStream'].id as string;
    expect(errorCode(await gql(url, START_STREAM, { id }, other.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(url, START_STREAM, { id }, adminToken))).toBe('FORBIDDEN');
    await gql(url, START_STREAM, { id }, streamer.token);
    expect(errorCode(await gql(url, END_STREAM, { id }, other.token))).toBe('FORBIDDEN');
    const byAdmin = await gql(url, END_STREAM, { id }, adminToken);
    expect(byAdmin.data?.['endStream'].status).toBe('ENDED');
  });

  it('requires a token for every stream mutation (UNAUTHENTICATED)', async () => {
    const { token } = await registerUser(url, 'anon');
    const created = await gql(url, CREATE_STREAM, { input: { title: 'x' } }, token);
    const id = created.data?.['createStream'].id as string;
    expect(errorCode(await gql(url, CREATE_STREAM, { input: { title: 'x' } }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorCode(await gql(url, START_STREAM, { id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, END_STREAM, { id }))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an empty title', { title: '' }, 'title'],
    ['a blank title', { title: '   \t ' }, 'title'],
    ['a 121-character title', { title: 't'.repeat(121) }, 'title'],
    ['a 2001-character description', { title: 'ok', description: 'd'.repeat(2001) }, 'description'],
    ['a malformed scheduledFor', { title: 'ok', scheduledFor: 'next tuesday' }, 'scheduledFor'],
  ])('refuses %s with BAD_USER_INPUT and creates nothing', async (_name, input, field) => {
    const { token, id } = await registerUser(url, 'bad');
    const response = await gql(url, CREATE_STREAM, { input }, token);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toContain(field);
    const mine = await gql(url, `query($u: ID!) { userStreams(userId: $u) { id } }`, { u: id });
    expect(mine.data?.['userStreams']).toEqual([]);
  });

  it('accepts a title of exactly 120 characters and a description of 2000', async () => {
    const { token } = await registerUser(url, 'edge');
    const response = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'é'.repeat(120), description: 'd'.repeat(2000) } },
      token,
    );
    expect(response.data?.['createStream'].title).toHaveLength(120);
  });

  it('answers NOT_FOUND for an unknown stream and BAD_USER_INPUT for a malformed id', async () => {
    const { token } = await registerUser(url, 'nf');
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(errorCode(await gql(url, START_STREAM, { id: unknown }, token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(url, END_STREAM, { id: unknown }, token))).toBe('NOT_FOUND');
    expect((await gql(url, STREAM, { id: unknown })).data).toEqual({ stream: null });
    expect(errorCode(await gql(url, STREAM, { id: 'not-a-uuid' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(url, END_STREAM, { id: "1'; DROP TABLE streams;--" }, token))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('allows one LIVE stream per streamer: a second is CONFLICT, and two concurrent creates give one', async () => {
    const first = await registerUser(url, 'one');
    await gql(url, CREATE_STREAM, { input: { title: 'first' } }, first.token);
    expect(
      errorCode(await gql(url, CREATE_STREAM, { input: { title: 'second' } }, first.token)),
    ).toBe('CONFLICT');
    // A scheduled one is fine while LIVE, but starting it is CONFLICT.
    const scheduled = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'later', scheduledFor: inAnHour() } },
      first.token,
    );
    const scheduledId = scheduled.data?.['createStream'].id as string;
    expect(errorCode(await gql(url, START_STREAM, { id: scheduledId }, first.token))).toBe(
      'CONFLICT',
    );

    const racer = await registerUser(url, 'race');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        gql(url, CREATE_STREAM, { input: { title: `race ${i}` } }, racer.token),
      ),
    );
    expect(results.filter((r) => r.data?.['createStream']?.status === 'LIVE')).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(5);
    const [{ live }] = await running.app
      .get(DataSource)
      .query<{ live: number }[]>(
        `SELECT count(*)::int AS live FROM streams WHERE streamer_id = $1 AND status = 'LIVE'`,
        [racer.id],
      );
    expect(live).toBe(1);
  });

  it('pages liveStreams within bounds and refuses out-of-range paging', async () => {
    const page = await gql(url, `{ liveStreams(limit: 2, offset: 0) { id status } }`);
    expect(page.data?.['liveStreams'].length).toBeLessThanOrEqual(2);
    expect(page.data?.['liveStreams'].every((s: { status: string }) => s.status === 'LIVE')).toBe(
      true,
    );
    for (const args of ['limit: 0', 'limit: 101', 'offset: -1', 'offset: 10001']) {
      expect(errorCode(await gql(url, `{ liveStreams(${args}) { id } }`))).toBe('BAD_USER_INPUT');
    }
  });

  it('tells liveStreamsChanged subscribers about a stream going live, its viewers and its end', async () => {
    const list = wsConnect(url);
    try {
      const changes = subscribe<{
        liveStreamsChanged: { id: string; status: string; viewerCount: number };
      }>(list, `subscription { liveStreamsChanged { id status viewerCount } }`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const streamer = await registerUser(url, 'listed');
      const created = await gql(url, CREATE_STREAM, { input: { title: 'listed' } }, streamer.token);
      const id = created.data?.['createStream'].id as string;
      await changes.waitFor(
        (c) => c.liveStreamsChanged.id === id && c.liveStreamsChanged.status === 'LIVE',
      );
      const viewer = wsConnect(url);
      await subscribe(viewer, WATCH_STREAM, { id }).waitFor(() => true);
      await changes.waitFor(
        (c) => c.liveStreamsChanged.id === id && c.liveStreamsChanged.viewerCount === 1,
      );
      await gql(url, END_STREAM, { id }, streamer.token);
      await changes.waitFor(
        (c) => c.liveStreamsChanged.id === id && c.liveStreamsChanged.status === 'ENDED',
      );
      await viewer.dispose();
    } finally {
      await list.dispose();
    }
  });

  it("lists a user's streams newest first", async () => {
    const streamer = await registerUser(url, 'list');
    const a = await gql(url, CREATE_STREAM, { input: { title: 'a' } }, streamer.token);
    await gql(url, END_STREAM, { id: a.data?.['createStream'].id }, streamer.token);
    const b = await gql(url, CREATE_STREAM, { input: { title: 'b' } }, streamer.token);
    const list = await gql(url, `query($u: ID!) { userStreams(userId: $u) { id title status } }`, {
      u: streamer.id,
    });
    expect(list.data?.['userStreams']).toEqual([
      { id: b.data?.['createStream'].id, title: 'b', status: 'LIVE' },
      { id: a.data?.['createStream'].id, title: 'a', status: 'ENDED' },
    ]);
  });
});

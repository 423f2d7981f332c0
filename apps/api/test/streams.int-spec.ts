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
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

interface Upcoming {
  id: string;
  title: string;
  status: string;
  scheduledFor: string | null;
  streamer: { id: string };
}
const UPCOMING = /* GraphQL */ `
  query Upcoming($limit: Int, $offset: Int) {
    upcomingStreams(limit: $limit, offset: $offset) {
      id
      title
      status
      scheduledFor
      streamer {
        id
      }
    }
  }
`;

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

  it('refuses control characters in titles and descriptions (BAD_USER_INPUT) and stores nothing', async () => {
    const streamer = await registerUser(url, 'ctrl');
    const hostile = [
      { title: 'red \u001b[31malert' },
      { title: 'bell\u0007' },
      { title: 'two\nlines' },
      { title: 'c1 \u0085' },
      { title: 'lone \ud800' },
      { title: 'ok', description: 'esc \u001b[2J' },
      { title: 'ok', description: 'cr\r\nlf' },
      { title: 'ok', description: 'nul \u0000' },
    ];
    for (const input of hostile) {
      expect(errorCode(await gql(url, CREATE_STREAM, { input }, streamer.token))).toBe(
        'BAD_USER_INPUT',
      );
    }
    const fine = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'Fine 📈', description: 'two\nlines are fine here' } },
      streamer.token,
    );
    expect(fine.errors).toBeUndefined();
  });

  it('refuses dates outside 1970..9999 with BAD_USER_INPUT (never INTERNAL_SERVER_ERROR)', async () => {
    const streamer = await registerUser(url, 'dates');
    for (const scheduledFor of [
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '+010000-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01',
      '1767225600000',
      '+275761-01-01T00:00:00Z',
      'not a date',
    ]) {
      const response = await gql(
        url,
        CREATE_STREAM,
        { input: { title: 'd', scheduledFor } },
        streamer.token,
      );
      expect([scheduledFor, errorCode(response)]).toEqual([scheduledFor, 'BAD_USER_INPUT']);
    }
    const farAhead = await gql(
      url,
      CREATE_STREAM,
      { input: { title: 'd', scheduledFor: '9999-12-31T00:00:00Z' } },
      streamer.token,
    );
    expect(farAhead.data?.['createStream']).toMatchObject({ status: 'SCHEDULED' });
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

  /** Every upcoming stream, page by page, as an anonymous caller. */
  async function allUpcoming(): Promise<Upcoming[]> {
    const all: Upcoming[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await gql<{ upcomingStreams: Upcoming[] }>(url, UPCOMING, {
        limit: 100,
        offset,
      });
      expect(page.errors).toBeUndefined();
      const streams = page.data?.upcomingStreams ?? [];
      all.push(...streams);
      if (streams.length < 100) return all;
    }
  }

  it('lists upcomingStreams to anonymous callers: SCHEDULED only, soonest scheduledFor first, then unscheduled ones newest first', async () => {
    const streamer = await registerUser(url, 'upcoming');
    const schedule = async (title: string, scheduledFor: string) => {
      const created = await gql(
        url,
        CREATE_STREAM,
        { input: { title, scheduledFor } },
        streamer.token,
      );
      expect(created.data?.['createStream'].status).toBe('SCHEDULED');
      return created.data?.['createStream'].id as string;
    };
    const inTwoMinutes = inMinutes(2);
    const c = await schedule('c', inMinutes(3));
    const a = await schedule('a', inMinutes(1));
    const b = await schedule('b', inTwoMinutes);
    const bLater = await schedule('b, created later', inTwoMinutes); // same time: newest first
    // Not upcoming: a stream that went LIVE from the schedule, a LIVE one and an ENDED one.
    const started = await schedule('started', inAnHour());
    await gql(url, START_STREAM, { id: started }, streamer.token);
    const other = await registerUser(url, 'upother');
    const ended = await gql(url, CREATE_STREAM, { input: { title: 'ended' } }, other.token);
    const endedId = ended.data?.['createStream'].id as string;
    await gql(url, END_STREAM, { id: endedId }, other.token);
    const live = await gql(url, CREATE_STREAM, { input: { title: 'live' } }, other.token);
    const liveId = live.data?.['createStream'].id as string;
    // SCHEDULED without a time (the API always sets one; older or imported rows may not).
    const [olderTba, newerTba] = await running.app.get(DataSource).query<{ id: string }[]>(
      `INSERT INTO streams (streamer_id, title, status, created_at)
       VALUES ($1, 'tba, older', 'SCHEDULED', now() - interval '1 minute'),
              ($1, 'tba, newer', 'SCHEDULED', now())
       RETURNING id`,
      [streamer.id],
    );

    const all = await allUpcoming();
    expect(all.every((stream) => stream.status === 'SCHEDULED')).toBe(true);
    const ids = all.map((stream) => stream.id);
    expect(ids).not.toContain(started);
    expect(ids).not.toContain(endedId);
    expect(ids).not.toContain(liveId);
    const mine = new Set([a, b, bLater, c, olderTba.id, newerTba.id]);
    expect(ids.filter((id) => mine.has(id))).toEqual([a, bLater, b, c, newerTba.id, olderTba.id]);
    expect(all.find((stream) => stream.id === a)).toMatchObject({
      title: 'a',
      streamer: { id: streamer.id },
    });
    // The whole list: times never decrease, and every stream without one comes last.
    const times = all.map((stream) => stream.scheduledFor);
    const firstTba = times.indexOf(null);
    const timed = (firstTba < 0 ? times : times.slice(0, firstTba)).map((t) => Date.parse(t ?? ''));
    expect(timed).toEqual([...timed].sort((x, y) => x - y));
    if (firstTba >= 0) expect(times.slice(firstTba).every((t) => t === null)).toBe(true);
  });

  it('pages upcomingStreams (24 by default) and refuses out-of-range paging with BAD_USER_INPUT', async () => {
    // More than a default page, a year ahead (behind everything other tests schedule).
    const streamer = await registerUser(url, 'upmany');
    await running.app.get(DataSource).query(
      `INSERT INTO streams (streamer_id, title, status, scheduled_for)
       SELECT $1, 'far ' || n, 'SCHEDULED', now() + interval '1 year' + n * interval '1 minute'
       FROM generate_series(1, 25) AS n`,
      [streamer.id],
    );
    const byDefault = await gql(url, `{ upcomingStreams { id } }`);
    expect(byDefault.data?.['upcomingStreams']).toHaveLength(24);

    const first = await gql(url, UPCOMING, { limit: 5 });
    const page = await gql(url, UPCOMING, { limit: 2, offset: 1 });
    expect(page.data?.['upcomingStreams']).toEqual(first.data?.['upcomingStreams'].slice(1, 3));
    const beyond = await gql(url, UPCOMING, { limit: 100, offset: 10_000 });
    expect(beyond.data?.['upcomingStreams']).toEqual([]);

    for (const args of ['limit: 0', 'limit: 101', 'offset: -1', 'offset: 10001']) {
      const refused = await gql(url, `{ upcomingStreams(${args}) { id } }`);
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0].message).toMatch(/(limit|offset) must be between/);
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

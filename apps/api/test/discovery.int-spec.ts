import { StreamLifecycle } from '@finserve/api/streams';

import type { RunningApp } from '../src/bootstrap';
import {
  END_STREAM,
  errorCode,
  gql,
  registerUser,
  subscribe,
  wsConnect,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

const SEARCH = /* GraphQL */ `
  query Search($q: String!, $status: StreamStatus, $limit: Int) {
    searchStreams(query: $q, status: $status, limit: $limit) {
      id
      title
      status
    }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateStreamInput!) {
    createStream(input: $input) {
      id
      status
      tags
      category {
        slug
        name
      }
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation Update($id: ID!, $input: UpdateStreamInput!) {
    updateStream(streamId: $id, input: $input) {
      id
      title
      description
      scheduledFor
      tags
      category {
        slug
      }
    }
  }
`;
const CANCEL = /* GraphQL */ `
  mutation Cancel($id: ID!) {
    cancelScheduledStream(streamId: $id)
  }
`;
const CHANNEL = /* GraphQL */ `
  query Channel($username: String!) {
    user(username: $username) {
      id
      username
      displayName
      bio
      liveStream {
        id
      }
      pastStreams {
        id
      }
      scheduledStreams {
        id
        scheduledFor
      }
    }
  }
`;

interface Person {
  token: string;
  id: string;
  username: string;
}

describe('discovery: categories, tags, search, channels, stream editing', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterAll(() => running?.close());

  async function create(
    who: Person,
    input: Record<string, unknown>,
  ): Promise<{ id: string; status: string }> {
    const created = await gql(url, CREATE, { input }, who.token);
    if (created.errors) throw new Error(JSON.stringify(created.errors));
    return created.data?.['createStream'];
  }

  async function search(q: string, status?: string): Promise<{ id: string; status: string }[]> {
    const found = await gql(url, SEARCH, { q, status, limit: 100 });
    if (found.errors) throw new Error(JSON.stringify(found.errors));
    return found.data?.['searchStreams'];
  }

  it('lists the eight trading categories, and a stream carries its category and normalized tags', async () => {
    const categories = await gql(url, '{ categories { slug name liveStreamCount viewerCount } }');
    const slugs = (categories.data?.['categories'] as { slug: string }[]).map((c) => c.slug);
    expect(slugs.sort()).toEqual(
      [
        'commodities',
        'crypto',
        'education',
        'forex',
        'futures',
        'macro',
        'options',
        'stocks',
      ].sort(),
    );
    const streamer = await registerUser(url, 'cat');
    const created = await gql(
      url,
      CREATE,
      {
        input: {
          title: 'Cable scalps',
          categorySlug: 'Forex',
          tags: ['  GBP-USD ', '#Scalping', 'price action', 'gbp-usd'],
        },
      },
      streamer.token,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.['createStream']).toMatchObject({
      category: { slug: 'forex', name: 'Forex' },
      tags: ['gbp-usd', 'scalping', 'price-action'],
    });
    await gql(url, END_STREAM, { id: created.data?.['createStream'].id }, streamer.token);
  });

  it('refuses an unknown category and tags outside the rules with BAD_USER_INPUT', async () => {
    const streamer = await registerUser(url, 'bad');
    const cases = [
      { title: 'x', categorySlug: 'astrology' },
      { title: 'x', tags: ['s&p500'] },
      { title: 'x', tags: ['a'.repeat(26)] },
      { title: 'x', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
    ];
    for (const input of cases) {
      const response = await gql(url, CREATE, { input }, streamer.token);
      expect({ input, code: errorCode(response) }).toEqual({ input, code: 'BAD_USER_INPUT' });
    }
    const unknownFilter = await gql(url, '{ liveStreams(category: "astrology") { id } }');
    expect(errorCode(unknownFilter)).toBe('BAD_USER_INPUT');
  });

  it('filters liveStreams by category and counts each category’s live streams and viewers', async () => {
    const before = await gql(url, '{ categories { slug liveStreamCount viewerCount } }');
    const countOf = (list: { slug: string; liveStreamCount: number }[], slug: string) =>
      list.find((c) => c.slug === slug)?.liveStreamCount;
    const cryptoBefore = countOf(before.data?.['categories'], 'crypto') ?? 0;

    const a = await registerUser(url, 'cra');
    const b = await registerUser(url, 'stb');
    const crypto = await create(a, { title: 'BTC open', categorySlug: 'crypto' });
    const stocks = await create(b, { title: 'NVDA earnings', categorySlug: 'stocks' });
    try {
      const viewer = wsConnect(url);
      await subscribe(
        viewer,
        'subscription W($id: ID!) { watchStream(streamId: $id) { viewerCount } }',
        {
          id: crypto.id,
        },
      ).waitFor(() => true);

      const live = await gql(
        url,
        '{ liveStreams(category: "crypto", limit: 100) { id category { slug } } }',
      );
      const ids = (live.data?.['liveStreams'] as { id: string }[]).map((s) => s.id);
      expect(ids).toContain(crypto.id);
      expect(ids).not.toContain(stocks.id);
      // without a category: every LIVE stream
      const every = await gql(url, '{ liveStreams(limit: 100) { id } }');
      expect(every.errors).toBeUndefined();
      const everyIds = (every.data?.['liveStreams'] as { id: string }[]).map((s) => s.id);
      expect(everyIds).toEqual(expect.arrayContaining([crypto.id, stocks.id]));
      for (const s of live.data?.['liveStreams'] as { category: { slug: string } }[]) {
        expect(s.category.slug).toBe('crypto');
      }
      const categories = await gql(url, '{ categories { slug liveStreamCount viewerCount } }');
      const list = categories.data?.['categories'] as {
        slug: string;
        liveStreamCount: number;
        viewerCount: number;
      }[];
      expect(countOf(list, 'crypto')).toBe(cryptoBefore + 1);
      // most viewers first
      const viewers = list.map((c) => c.viewerCount);
      expect(viewers).toEqual([...viewers].sort((x, y) => y - x));
      await viewer.dispose();
    } finally {
      await gql(url, END_STREAM, { id: crypto.id }, a.token);
      await gql(url, END_STREAM, { id: stocks.id }, b.token);
    }
  });

  it('searchStreams("eur usd") finds "EUR/USD London open"; "energie" finds "Énergie : le pétrole"', async () => {
    const streamer = await registerUser(url, 'srch');
    const eur = await create(streamer, { title: 'EUR/USD London open' });
    await gql(url, END_STREAM, { id: eur.id }, streamer.token);
    const energy = await create(streamer, {
      title: 'Énergie : le pétrole',
      scheduledFor: inHours(2),
    });
    const other = await create(streamer, { title: 'Gold and silver', scheduledFor: inHours(3) });

    expect((await search('eur usd')).map((s) => s.id)).toContain(eur.id);
    expect((await search('EUR/USD')).map((s) => s.id)).toContain(eur.id);
    const energie = (await search('energie')).map((s) => s.id);
    expect(energie).toContain(energy.id);
    expect(energie).not.toContain(other.id);
    expect((await search('PÉTROLE')).map((s) => s.id)).toContain(energy.id);
    // words are prefixes: typing "lond" already finds it
    expect((await search('lond')).map((s) => s.id)).toContain(eur.id);
    // the status filter
    expect((await search('eur usd', 'SCHEDULED')).map((s) => s.id)).not.toContain(eur.id);
  });

  it('searches tags, category and the streamer’s name, LIVE before SCHEDULED before ENDED', async () => {
    const word = `zq${Date.now().toString(36)}`;
    const streamer = await registerUser(url, 'Quanthaus');
    const ended = await create(streamer, { title: 'Morning session', tags: [word] });
    await gql(url, END_STREAM, { id: ended.id }, streamer.token);
    const scheduled = await create(streamer, {
      title: 'Evening session',
      description: `about ${word}`,
      scheduledFor: inHours(5),
    });
    const live = await create(streamer, {
      title: `${word.toUpperCase()} now`,
      categorySlug: 'macro',
    });
    try {
      const byWord = await search(word);
      expect(byWord.map((s) => s.id)).toEqual([live.id, scheduled.id, ended.id]);
      // by the streamer's name alone (no stream says it): trigram match, accents ignored
      const byName = (await search('quanthäus')).map((s) => s.id);
      expect(byName.slice(byName.indexOf(live.id), byName.indexOf(live.id) + 3)).toEqual([
        live.id,
        scheduled.id,
        ended.id,
      ]);
      // by category
      expect((await search('macro', 'LIVE')).map((s) => s.id)).toContain(live.id);
    } finally {
      await gql(url, END_STREAM, { id: live.id }, streamer.token);
    }
  });

  it('recentReplays lists ENDED streams, most recently ended first, by category too', async () => {
    const streamer = await registerUser(url, 'rr');
    const first = await create(streamer, { title: 'first', categorySlug: 'options' });
    await gql(url, END_STREAM, { id: first.id }, streamer.token);
    const second = await create(streamer, { title: 'second', categorySlug: 'futures' });
    await gql(url, END_STREAM, { id: second.id }, streamer.token);
    const scheduled = await create(streamer, { title: 'later', scheduledFor: inHours(1) });

    const all = await gql(url, '{ recentReplays(limit: 100) { id status } }');
    expect(all.errors).toBeUndefined();
    const ids = (all.data?.['recentReplays'] as { id: string; status: string }[]).map((s) => s.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(ids.indexOf(first.id)).toBeGreaterThanOrEqual(0);
    expect(ids).not.toContain(scheduled.id);
    for (const s of all.data?.['recentReplays'] as { status: string }[]) {
      expect(s.status).toBe('ENDED');
    }
    const options = await gql(url, '{ recentReplays(category: "options", limit: 100) { id } }');
    const optionIds = (options.data?.['recentReplays'] as { id: string }[]).map((s) => s.id);
    expect(optionIds).toContain(first.id);
    expect(optionIds).not.toContain(second.id);
    expect(errorCode(await gql(url, '{ recentReplays(category: "nope") { id } }'))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('pages each channel’s past and scheduled streams right when many channels are asked at once', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    const channels = [];
    for (const n of [1, 2]) {
      const streamer = await registerUser(url, `page${n}`);
      const ended = [];
      for (let i = 0; i < 3; i++) {
        const s = await create(streamer, { title: `${tag} ${n}.${i}` });
        await gql(url, END_STREAM, { id: s.id }, streamer.token);
        ended.push(s.id);
      }
      const later = await create(streamer, { title: `${tag} later`, scheduledFor: inHours(3) });
      const sooner = await create(streamer, { title: `${tag} sooner`, scheduledFor: inHours(1) });
      const live = await create(streamer, { title: `${tag} live ${n}` });
      channels.push({ streamer, ended, later, sooner, live });
    }
    try {
      const listed = await gql(
        url,
        `query($q: String!) { searchStreams(query: $q, status: LIVE) { id streamer { id
          pastStreams(limit: 2, offset: 1) { id } scheduledStreams(limit: 1) { id } } } }`,
        { q: tag },
      );
      expect(listed.errors).toBeUndefined();
      const rows = listed.data?.['searchStreams'] as {
        streamer: { id: string; pastStreams: { id: string }[]; scheduledStreams: { id: string }[] };
      }[];
      expect(rows).toHaveLength(2);
      for (const { streamer, ended, sooner } of channels) {
        const row = rows.find((r) => r.streamer.id === streamer.id);
        // newest first, the newest skipped by offset 1
        expect(row?.streamer.pastStreams.map((s) => s.id)).toEqual([ended[1], ended[0]]);
        expect(row?.streamer.scheduledStreams.map((s) => s.id)).toEqual([sooner.id]);
      }
    } finally {
      for (const { streamer, live } of channels) {
        await gql(url, END_STREAM, { id: live.id }, streamer.token);
      }
    }
  });

  it('refuses an empty or overlong search query with BAD_USER_INPUT', async () => {
    expect(errorCode(await gql(url, SEARCH, { q: '   ' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(url, SEARCH, { q: 'x'.repeat(101) }))).toBe('BAD_USER_INPUT');
    expect(await search('///')).toEqual([]);
  });

  it('updateStream changes only the fields given, and a LIVE stream’s watchers see it at once', async () => {
    const streamer = await registerUser(url, 'upd');
    const stream = await create(streamer, {
      title: 'Before',
      description: 'keep me',
      categorySlug: 'forex',
      tags: ['one'],
    });
    const viewer = wsConnect(url);
    const watch = subscribe<{ watchStream: { title: string; tags: string[] } }>(
      viewer,
      'subscription W($id: ID!) { watchStream(streamId: $id) { title tags category { slug } } }',
      { id: stream.id },
    );
    await watch.waitFor(() => true);
    try {
      const updated = await gql(
        url,
        UPDATE,
        { id: stream.id, input: { title: '  After  ', tags: ['Two', 'three'] } },
        streamer.token,
      );
      expect(updated.errors).toBeUndefined();
      expect(updated.data?.['updateStream']).toMatchObject({
        title: 'After',
        description: 'keep me',
        category: { slug: 'forex' },
        tags: ['two', 'three'],
      });
      await watch.waitFor(
        (v) => v.watchStream.title === 'After' && v.watchStream.tags[0] === 'two',
      );

      const cleared = await gql(
        url,
        UPDATE,
        { id: stream.id, input: { description: null, categorySlug: null } },
        streamer.token,
      );
      expect(cleared.data?.['updateStream']).toMatchObject({
        title: 'After',
        description: null,
        category: null,
        tags: ['two', 'three'],
      });
      // a LIVE stream has no time to change; a title cannot be removed
      expect(
        errorCode(
          await gql(
            url,
            UPDATE,
            { id: stream.id, input: { scheduledFor: inHours(1) } },
            streamer.token,
          ),
        ),
      ).toBe('CONFLICT');
      expect(
        errorCode(
          await gql(url, UPDATE, { id: stream.id, input: { title: null } }, streamer.token),
        ),
      ).toBe('BAD_USER_INPUT');
      expect(
        errorCode(
          await gql(
            url,
            UPDATE,
            { id: stream.id, input: { categorySlug: 'nope' } },
            streamer.token,
          ),
        ),
      ).toBe('BAD_USER_INPUT');
      // only the streamer
      const other = await registerUser(url, 'oth');
      expect(
        errorCode(await gql(url, UPDATE, { id: stream.id, input: { title: 'x' } }, other.token)),
      ).toBe('FORBIDDEN');
      expect(errorCode(await gql(url, UPDATE, { id: stream.id, input: { title: 'x' } }))).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await viewer.dispose();
      await gql(url, END_STREAM, { id: stream.id }, streamer.token);
    }
  });

  it('tells lifecycle listeners of a stream created SCHEDULED (a hook for STREAM_SCHEDULED notices)', async () => {
    const seen: { id: string; from: string | null; to: string }[] = [];
    running.app.get(StreamLifecycle).onTransition(({ stream, from, to }) => {
      seen.push({ id: stream.id, from, to });
      return Promise.resolve();
    });
    const streamer = await registerUser(url, 'hook');
    const stream = await create(streamer, { title: 'Planned', scheduledFor: inHours(2) });
    expect(seen).toContainEqual({ id: stream.id, from: null, to: 'SCHEDULED' });
  });

  it('reschedules a SCHEDULED stream only into the future', async () => {
    const streamer = await registerUser(url, 'rs');
    const stream = await create(streamer, { title: 'Later', scheduledFor: inHours(1) });
    const when = inHours(4);
    const moved = await gql(
      url,
      UPDATE,
      { id: stream.id, input: { scheduledFor: when } },
      streamer.token,
    );
    expect(moved.data?.['updateStream'].scheduledFor).toBe(when);
    const past = await gql(
      url,
      UPDATE,
      { id: stream.id, input: { scheduledFor: new Date(Date.now() - 60_000).toISOString() } },
      streamer.token,
    );
    expect(errorCode(past)).toBe('BAD_USER_INPUT');
  });

  it('cancelScheduledStream deletes a SCHEDULED stream of the caller only', async () => {
    const streamer = await registerUser(url, 'can');
    const other = await registerUser(url, 'can2');
    const stream = await create(streamer, {
      title: 'Cancel me zzcancel',
      scheduledFor: inHours(1),
    });
    expect(errorCode(await gql(url, CANCEL, { id: stream.id }, other.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(url, CANCEL, { id: stream.id }))).toBe('UNAUTHENTICATED');
    const cancelled = await gql(url, CANCEL, { id: stream.id }, streamer.token);
    expect(cancelled.data?.['cancelScheduledStream']).toBe(true);
    expect(
      (await gql(url, 'query($id: ID!) { stream(id: $id) { id } }', { id: stream.id })).data?.[
        'stream'
      ],
    ).toBeNull();
    const upcoming = await gql(url, '{ upcomingStreams(limit: 100) { id } }');
    expect((upcoming.data?.['upcomingStreams'] as { id: string }[]).map((s) => s.id)).not.toContain(
      stream.id,
    );
    expect((await search('zzcancel')).map((s) => s.id)).not.toContain(stream.id);
    expect(errorCode(await gql(url, CANCEL, { id: stream.id }, streamer.token))).toBe('NOT_FOUND');

    const live = await create(streamer, { title: 'Live one' });
    expect(errorCode(await gql(url, CANCEL, { id: live.id }, streamer.token))).toBe('CONFLICT');
    await gql(url, END_STREAM, { id: live.id }, streamer.token);
  });

  it('user(username) finds a channel in any letter case, with its bio and its streams', async () => {
    const streamer = await registerUser(url, 'Chan');
    const profile = await gql(
      url,
      'mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) { displayName bio } }',
      { input: { bio: '  Macro trader.\nParis.  ' } },
      streamer.token,
    );
    expect(profile.data?.['updateProfile']).toEqual({
      displayName: streamer.username,
      bio: 'Macro trader.\nParis.',
    });
    const tooLong = await gql(
      url,
      'mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) { bio } }',
      { input: { bio: 'x'.repeat(301) } },
      streamer.token,
    );
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');

    const past1 = await create(streamer, { title: 'first' });
    await gql(url, END_STREAM, { id: past1.id }, streamer.token);
    const past2 = await create(streamer, { title: 'second' });
    await gql(url, END_STREAM, { id: past2.id }, streamer.token);
    const later = await create(streamer, { title: 'later', scheduledFor: inHours(5) });
    const sooner = await create(streamer, { title: 'sooner', scheduledFor: inHours(2) });
    const live = await create(streamer, { title: 'now' });
    try {
      const channel = await gql(url, CHANNEL, { username: streamer.username.toUpperCase() });
      expect(channel.errors).toBeUndefined();
      expect(channel.data?.['user']).toMatchObject({
        id: streamer.id,
        bio: 'Macro trader.\nParis.',
        liveStream: { id: live.id },
        pastStreams: [{ id: past2.id }, { id: past1.id }],
        scheduledStreams: [{ id: sooner.id }, { id: later.id }],
      });
      expect(
        (await gql(url, CHANNEL, { username: 'nobody_here_at_all' })).data?.['user'],
      ).toBeNull();
    } finally {
      await gql(url, END_STREAM, { id: live.id }, streamer.token);
    }
    const offline = await gql(url, CHANNEL, { username: streamer.username });
    expect(offline.data?.['user'].liveStream).toBeNull();
    // an empty bio removes it; the display name alone changes
    const renamed = await gql(
      url,
      'mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) { displayName bio } }',
      { input: { displayName: 'The Chan', bio: '' } },
      streamer.token,
    );
    expect(renamed.data?.['updateProfile']).toEqual({ displayName: 'The Chan', bio: null });
  });
});

import { createHash } from 'node:crypto';
import { get } from 'node:http';

import type { RunningApp } from '../src/bootstrap';
import { END_STREAM, gql, liveStream, registerUser } from './support/graphql-client';
import { startTestApp, suiteRedis } from './support/test-app';

/**
 * The response cache of public lists (libs/api/graphql/src/lib/response-cache.service.ts): two
 * real instances sharing Redis (the event bus), anonymous GETs as a CDN or an APQ client sends.
 */
const LIST = 'query List { liveStreams(limit: 50) { id title viewerCount } }';

interface Answer {
  status: number;
  cacheControl: string | null;
  cache: string | null;
  ids: string[];
  body: { data?: { liveStreams?: { id: string }[] }; errors?: unknown[] };
}

async function getList(
  url: string,
  options: { token?: string; persisted?: boolean; query?: string } = {},
): Promise<Answer> {
  const query = options.query ?? LIST;
  const params = new URLSearchParams();
  if (options.persisted) {
    params.set(
      'extensions',
      JSON.stringify({
        persistedQuery: {
          version: 1,
          sha256Hash: createHash('sha256').update(query).digest('hex'),
        },
      }),
    );
  } else {
    params.set('query', query);
  }
  const response = await fetch(`${url}/graphql?${params.toString()}`, {
    headers: {
      'apollo-require-preflight': 'true',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
  });
  const body = (await response.json()) as Answer['body'];
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    cache: response.headers.get('x-response-cache'),
    ids: (body.data?.liveStreams ?? []).map((stream) => stream.id),
    body,
  };
}

const redis = process.env['TEST_REDIS_URL'] ? suiteRedis(process.env['TEST_REDIS_URL'], 14) : '';

(redis ? describe : describe.skip)('response cache of public lists', () => {
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: redis });
    b = await startTestApp({ REDIS_URL: redis });
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('answers an anonymous GET from memory with Cache-Control, and a new LIVE stream shows at once on every instance', async () => {
    const first = await getList(b.url);
    expect(first.status).toBe(200);
    expect(first.cache).toBe('miss');
    expect(first.cacheControl).toBe('public, max-age=1');
    const again = await getList(b.url);
    expect(again.cache).toBe('hit');
    expect(again.body).toEqual(first.body);

    // Going live on A drops B's cached lists as soon as the event crosses the bus.
    const { streamer, streamId } = await liveStream(a.url, 'Cache me if you can');
    const deadline = Date.now() + 5000;
    let seen = await getList(b.url);
    while (!seen.ids.includes(streamId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      seen = await getList(b.url);
    }
    expect(seen.ids).toContain(streamId);
    // On the instance that made the change, the very next GET already has it.
    const onA = await getList(a.url);
    expect(onA.ids).toContain(streamId);

    await gql(a.url, END_STREAM, { id: streamId }, streamer.token);
    const afterEnd = await getList(a.url);
    expect(afterEnd.ids).not.toContain(streamId);
  });

  it("answers a hit with the very bytes Apollo sent (same body, type and ETag; 304 on If-None-Match), and only to requests Apollo's CSRF prevention lets through", async () => {
    const url = `${a.url}/graphql?${new URLSearchParams({ query: 'query Bytes { categories { slug name } }' }).toString()}`;
    const headers = { 'apollo-require-preflight': 'true' };
    const miss = await fetch(url, { headers });
    const missBody = await miss.text();
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-response-cache')).toBe('miss');
    const hit = await fetch(url, { headers });
    expect(hit.headers.get('x-response-cache')).toBe('hit');
    expect(await hit.text()).toBe(missBody);
    expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
    expect(hit.headers.get('cache-control')).toBe('public, max-age=1');
    const etag = hit.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(etag).toBe(miss.headers.get('etag'));
    // (node:http: fetch adds Cache-Control: no-cache to a conditional request, as its spec says.)
    const notModified = await new Promise<number | undefined>((resolve, reject) =>
      get(url, { headers: { ...headers, 'if-none-match': etag ?? '' } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject),
    );
    expect(notModified).toBe(304);
    // The same cached URL without a preflight-forcing header: Apollo refuses it, as before.
    const simple = await fetch(url);
    expect(simple.status).toBe(400);
    expect(simple.headers.get('x-response-cache')).toBeNull();
    // ... and one with a content-type Apollo refuses on a GET gets its 415.
    const xml = await fetch(url, { headers: { ...headers, 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    // Another Accept gets Apollo's answer for it, not the bytes kept for the first.
    const graphqlResponse = await fetch(url, {
      headers: { ...headers, accept: 'application/graphql-response+json' },
    });
    expect(graphqlResponse.headers.get('content-type')).toContain(
      'application/graphql-response+json',
    );
    expect(await graphqlResponse.text()).toBe(missBody);
  });

  it('serves persisted queries by hash over GET (APQ) from the same cache', async () => {
    const unknown = await getList(a.url, { persisted: true });
    // The message APQ clients (Apollo's persisted-queries link) look for; the code is a contract one.
    expect(unknown.body.errors).toEqual([
      { message: 'PersistedQueryNotFound', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    // Registering it: the full text once, as APQ clients do after that answer.
    const registered = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: LIST,
        extensions: {
          persistedQuery: {
            version: 1,
            sha256Hash: createHash('sha256').update(LIST).digest('hex'),
          },
        },
      }),
    });
    expect(registered.status).toBe(200);
    const byHash = await getList(a.url, { persisted: true });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data?.liveStreams).toBeDefined();
    expect(byHash.cacheControl).toBe('public, max-age=1');
    expect((await getList(a.url, { persisted: true })).cache).toBe('hit');
  });

  it('never caches a signed-in caller, a POST, or an operation with a private field', async () => {
    const viewer = await registerUser(a.url, 'cachecheck');
    const signedIn = await getList(a.url, { token: viewer.token });
    expect(signedIn.status).toBe(200);
    expect(signedIn.cache).toBeNull();
    expect(signedIn.cacheControl ?? '').not.toContain('public');

    const post = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LIST }),
    });
    expect(post.headers.get('x-response-cache')).toBeNull();
    expect(post.headers.get('cache-control') ?? '').not.toContain('public');

    const mixed = await getList(a.url, {
      query: 'query Mixed { liveStreams(limit: 5) { id } paymentsTestMode }',
    });
    expect(mixed.status).toBe(200);
    expect(mixed.cache).toBeNull();
  });
});

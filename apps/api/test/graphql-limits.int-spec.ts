import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { getIntrospectionQuery } from 'graphql';

import type { RunningApp } from '../src/bootstrap';
import { errorCode, gql, wsConnect } from './support/graphql-client';
import { ROOT } from './support/process';
import { startTestApp } from './support/test-app';

const LIVE_STREAMS = /* GraphQL */ `
  query Live($limit: Int) {
    liveStreams(limit: $limit) {
      id
      title
      streamer {
        id
        username
      }
    }
  }
`;

describe('GraphQL operation limits (defaults)', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp();
    url = running.url;
  });
  afterAll(() => running?.close());

  it('allows the full introspection query (third parties need it)', async () => {
    const answer = await gql(url, getIntrospectionQuery());
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['__schema'].queryType.name).toBe('Query');
  });

  it('serves the schema as an SDL file at /schema.graphql, identical to the committed one', async () => {
    const response = await fetch(`${url}/schema.graphql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const committed = readFileSync(join(ROOT, 'apps', 'api', 'schema.graphql'), 'utf8');
    expect((await response.text()).trim()).toBe(committed.trim());
  });

  it('refuses more than 15 aliases with BAD_USER_INPUT naming the limit', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
    const answer = await gql(url, `{ liveStreams { ${aliases} } }`);
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/aliases limit of 15 exceeded/i);
    expect(answer.data).toBeUndefined();
  });

  it('refuses more than 10 root fields', async () => {
    const fields = Array.from({ length: 11 }, () => 'chatReactions').join(' ');
    const answer = await gql(url, `{ ${fields} }`);
    expect(errorCode(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toBe(
      'Too many root fields: at most 10 per operation, found 11',
    );
    const ten = await gql(
      url,
      `{ ${Array.from({ length: 10 }, () => 'chatReactions').join(' ')} }`,
    );
    expect(ten.errors).toBeUndefined();
  });

  it('refuses a document over 20000 bytes before running it', async () => {
    const padding = `# ${'x'.repeat(20_000)}\n`;
    const answer = await gql(url, `${padding}{ chatReactions }`);
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/^Query document too large: at most 20000 bytes/);
  });

  it('refuses brackets nested deeper than 64 (which would overflow the parser) on HTTP and graphql-ws', async () => {
    const deep = `{ liveStreams(limit: ${'['.repeat(5000)}1${']'.repeat(5000)}) { id } }`;
    for (const answer of [await gql(url, deep), await gql(url, deep.slice(0, 8000))]) {
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0].message).toBe(
        'Query document nested too deeply: at most 64 levels of brackets',
      );
    }
    const ws = wsConnect(url);
    try {
      await ws.connected;
      const refused = await ws
        .execute(deep)
        .then(() => undefined)
        .catch((errors: { extensions?: { code?: string } }[]) => errors);
      expect(refused?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await ws.dispose();
    }
  });

  it('applies the same limits on graphql-ws', async () => {
    const ws = wsConnect(url);
    try {
      await ws.connected;
      const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
      const refused = await ws
        .execute(`{ liveStreams { ${aliases} } }`)
        .then(() => undefined)
        .catch((errors: { extensions?: { code?: string }; message: string }[]) => errors);
      expect(refused?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused?.[0].message).toMatch(/aliases limit of 15 exceeded/i);
      const ok = await ws.execute('{ chatReactions }');
      expect(ok.errors).toBeUndefined();
    } finally {
      await ws.dispose();
    }
  });
});

describe('GraphQL operation limits (low settings)', () => {
  let running: RunningApp;
  let url: string;

  beforeAll(async () => {
    running = await startTestApp({ GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_COMPLEXITY: '500' });
    url = running.url;
  });
  afterAll(() => running?.close());

  it('refuses an operation deeper than GRAPHQL_MAX_DEPTH, through fragments too', async () => {
    expect((await gql(url, '{ liveStreams { id } }')).errors).toBeUndefined();
    const deep = await gql(url, '{ liveStreams { streamer { id } } }');
    expect(errorCode(deep)).toBe('BAD_USER_INPUT');
    expect(deep.errors?.[0].message).toBe('Query depth limit of 2 exceeded, found 3.');
    const viaFragment = await gql(
      url,
      'query { liveStreams { ...S } } fragment S on Stream { streamer { id } }',
    );
    expect(errorCode(viaFragment)).toBe('BAD_USER_INPUT');
  });

  it('weighs a list by its limit argument, from variables too: 10 streams pass, 100 cost too much (liveStreams and upcomingStreams)', async () => {
    // cost = 1 + limit x (id + title + streamer{id username} = 5) -> 51 for 10, 501 for 100
    const cheap = await gql(url, LIVE_STREAMS.replace(/streamer \{[^}]*\}/, ''), { limit: 10 });
    expect(cheap.errors).toBeUndefined();
    const shallow = await startTestApp({ GRAPHQL_MAX_COMPLEXITY: '500' });
    try {
      expect((await gql(shallow.url, LIVE_STREAMS, { limit: 10 })).errors).toBeUndefined();
      const costly = await gql(shallow.url, LIVE_STREAMS, { limit: 100 });
      expect(costly.status).toBe(400);
      expect(errorCode(costly)).toBe('BAD_USER_INPUT');
      expect(costly.errors?.[0].message).toMatch(/^Query too complex: cost 501 exceeds 500/);
      const inline = await gql(
        shallow.url,
        '{ liveStreams(limit: 100) { id title streamer { id username } } }',
      );
      expect(errorCode(inline)).toBe('BAD_USER_INPUT');
      // upcomingStreams is weighed the same way: 1 + 24 x 5 by default, 1 + 100 x 5 at its maximum
      const upcoming = '{ id title streamer { id username } }';
      expect((await gql(shallow.url, `{ upcomingStreams ${upcoming} }`)).errors).toBeUndefined();
      const costlyUpcoming = await gql(shallow.url, `{ upcomingStreams(limit: 100) ${upcoming} }`);
      expect(errorCode(costlyUpcoming)).toBe('BAD_USER_INPUT');
      expect(costlyUpcoming.errors?.[0].message).toMatch(
        /^Query too complex: cost 501 exceeds 500/,
      );
    } finally {
      await shallow.close();
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { JobQueue } from '@finserve/api/jobs';
import { DELIVER_QUEUE, SOCIAL_QUEUES } from '@finserve/api/social';

import type { RunningApp } from '../src/bootstrap';
import {
  CREATE_STREAM,
  END_STREAM,
  errorCode,
  eventually,
  gql,
  loginAdmin,
  registerUser,
  subscribe,
  wsConnect,
  type WsConnection,
} from './support/graphql-client';
import { LocalPushService, type PushSubscriber } from './support/push-service';
import { ManualClock, startTestApp, suiteRedis } from './support/test-app';

const FOLLOW = /* GraphQL */ `
  mutation Follow($id: ID!) {
    follow(userId: $id) {
      id
      username
      followerCount
    }
  }
`;
const UNFOLLOW = /* GraphQL */ `
  mutation Unfollow($id: ID!) {
    unfollow(userId: $id) {
      id
      followerCount
    }
  }
`;
const IS_FOLLOWING = /* GraphQL */ `
  query IsFollowing($id: ID!) {
    isFollowing(userId: $id)
  }
`;
const MY_FOLLOWING = /* GraphQL */ `
  query MyFollowing($limit: Int, $offset: Int) {
    myFollowing(limit: $limit, offset: $offset) {
      id
      displayName
    }
  }
`;
const FOLLOWED_LIVE = /* GraphQL */ `
  {
    followedLiveStreams {
      id
      streamer {
        id
      }
    }
  }
`;
const NOTIFICATION_FIELDS = /* GraphQL */ `
  id type read createdAt actor { id username } stream { id title status } tip { id amountCents } clip { id }
`;
const MY_NOTIFICATIONS = /* GraphQL */ `
  query Mine($limit: Int, $before: ID) { myNotifications(limit: $limit, before: $before) { ${NOTIFICATION_FIELDS} } }
`;
const UNREAD = /* GraphQL */ `
  {
    unreadNotificationCount
  }
`;
const MARK_READ = /* GraphQL */ `
  mutation Read($upTo: ID) {
    markNotificationsRead(upTo: $upTo)
  }
`;
const NOTIFICATION_RECEIVED = /* GraphQL */ `
  subscription { notificationReceived { ${NOTIFICATION_FIELDS} } }
`;
const UPDATE_PROFILE = /* GraphQL */ `
  mutation Profile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
    }
  }
`;

interface Notification {
  id: string;
  type: string;
  read: boolean;
  actor: { id: string; username: string } | null;
  stream: { id: string; title: string; status: string } | null;
  tip: { id: string; amountCents: number } | null;
}
type User = { token: string; id: string; username: string };

describe('follows and notifications', () => {
  let running: RunningApp;
  let url: string;
  const clock = new ManualClock();
  const connections: WsConnection[] = [];

  const follow = (who: User, id: string) =>
    gql<{ follow: { id: string; followerCount: number } }>(url, FOLLOW, { id }, who.token);
  const notifications = async (who: User, variables: Record<string, unknown> = {}) => {
    const response = await gql<{ myNotifications: Notification[] }>(
      url,
      MY_NOTIFICATIONS,
      variables,
      who.token,
    );
    expect(response.errors).toBeUndefined();
    return response.data?.myNotifications ?? [];
  };
  const unread = async (who: User) =>
    (await gql<{ unreadNotificationCount: number }>(url, UNREAD, {}, who.token)).data
      ?.unreadNotificationCount;
  const goLive = async (streamer: User, title = 'EUR/USD London open') => {
    const created = await gql<{ createStream: { id: string } }>(
      url,
      CREATE_STREAM,
      { input: { title } },
      streamer.token,
    );
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    return created.data.createStream.id;
  };
  /** Every social job done (fan-out, deliveries, single notices). */
  const drained = (app: RunningApp = running) =>
    eventually(async () => {
      const queue = app.app.get(JobQueue);
      const sizes = await Promise.all(SOCIAL_QUEUES.map((name) => queue.pending(name)));
      return sizes.every((n) => n === 0) ? true : undefined;
    }, 20_000);
  const watch = (who: User) => {
    const connection = wsConnect(url, who.token);
    connections.push(connection);
    return subscribe<{ notificationReceived: Notification }>(connection, NOTIFICATION_RECEIVED);
  };

  beforeAll(async () => {
    running = await startTestApp({}, { clock });
    url = running.url;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
  });
  afterAll(() => running?.close());

  it('follows once however often asked, counts followers, and unfollows', async () => {
    const [a, b, c] = await Promise.all([
      registerUser(url, 'fa'),
      registerUser(url, 'fb'),
      registerUser(url, 'fc'),
    ]);
    const first = await follow(a, b.id);
    expect(first.errors).toBeUndefined();
    expect(first.data?.follow).toMatchObject({ id: b.id, followerCount: 1 });
    expect((await follow(a, b.id)).data?.follow.followerCount).toBe(1);
    expect((await follow(c, b.id)).data?.follow.followerCount).toBe(2);
    expect((await gql(url, IS_FOLLOWING, { id: b.id }, a.token)).data?.['isFollowing']).toBe(true);
    expect((await gql(url, IS_FOLLOWING, { id: a.id }, b.token)).data?.['isFollowing']).toBe(false);
    expect((await gql(url, IS_FOLLOWING, { id: b.id })).data?.['isFollowing']).toBe(false);

    const unfollowed = await gql(url, UNFOLLOW, { id: b.id }, a.token);
    expect(unfollowed.data?.['unfollow']).toEqual({ id: b.id, followerCount: 1 });
    expect((await gql(url, UNFOLLOW, { id: b.id }, a.token)).data?.['unfollow'].followerCount).toBe(
      1,
    );
    expect((await gql(url, IS_FOLLOWING, { id: b.id }, a.token)).data?.['isFollowing']).toBe(false);
  });

  it('refuses following yourself, an unknown user, a malformed id and anonymous callers', async () => {
    const a = await registerUser(url, 'fself');
    expect(errorCode(await follow(a, a.id))).toBe('BAD_USER_INPUT');
    expect(errorCode(await follow(a, randomUUID()))).toBe('NOT_FOUND');
    expect(errorCode(await follow(a, 'nope'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(url, FOLLOW, { id: a.id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, MY_FOLLOWING))).toBe('UNAUTHENTICATED');
  });

  it('limits follow and unfollow to 30 calls per minute per user', async () => {
    const [a, b] = await Promise.all([registerUser(url, 'frate'), registerUser(url, 'frate')]);
    for (let i = 0; i < 15; i++) {
      expect((await follow(a, b.id)).errors).toBeUndefined();
      expect((await gql(url, UNFOLLOW, { id: b.id }, a.token)).errors).toBeUndefined();
    }
    const limited = await follow(a, b.id);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    // Another user is not limited by a's calls.
    const c = await registerUser(url, 'frate');
    expect((await follow(c, b.id)).errors).toBeUndefined();
  });

  it('batches followerCount: one list of users answers with each count', async () => {
    const [a, b, c] = await Promise.all([
      registerUser(url, 'fl'),
      registerUser(url, 'fl'),
      registerUser(url, 'fl'),
    ]);
    await follow(a, b.id);
    await follow(a, c.id);
    await follow(b, c.id);
    const listed = await gql<{ myFollowing: { id: string }[] }>(
      url,
      `{ myFollowing { id followerCount } }`,
      {},
      a.token,
    );
    expect(listed.errors).toBeUndefined();
    expect(new Map(listed.data?.myFollowing.map((u: any) => [u.id, u.followerCount]))).toEqual(
      new Map([
        [b.id, 1],
        [c.id, 2],
      ]),
    );
  });

  it('lists followed channels LIVE first then by display name, and their live streams by viewers', async () => {
    const viewer = await registerUser(url, 'fview');
    const channels = await Promise.all(
      ['Zed', 'amy', 'Bob', 'carl'].map(() => registerUser(url, 'fch')),
    );
    const names = ['Zed', 'amy', 'Bob', 'carl'];
    await Promise.all(
      channels.map((ch, i) =>
        gql(url, UPDATE_PROFILE, { input: { displayName: names[i] } }, ch.token),
      ),
    );
    for (const ch of channels) await follow(viewer, ch.id);
    // Zed and carl are LIVE; carl has more viewers.
    const zedStream = await goLive(channels[0]);
    const carlStream = await goLive(channels[3]);
    await running.app
      .get(DataSource)
      .query('UPDATE streams SET viewer_count = 7 WHERE id = $1', [carlStream]);

    const following = await gql<{ myFollowing: { displayName: string }[] }>(
      url,
      MY_FOLLOWING,
      {},
      viewer.token,
    );
    expect(following.data?.myFollowing.map((u) => u.displayName)).toEqual([
      'carl',
      'Zed',
      'amy',
      'Bob',
    ]);
    const paged = await gql<{ myFollowing: { displayName: string }[] }>(
      url,
      MY_FOLLOWING,
      { limit: 2, offset: 1 },
      viewer.token,
    );
    expect(paged.data?.myFollowing.map((u) => u.displayName)).toEqual(['Zed', 'amy']);
    const live = await gql<{ followedLiveStreams: { id: string }[] }>(
      url,
      FOLLOWED_LIVE,
      {},
      viewer.token,
    );
    expect(live.data?.followedLiveStreams.map((s) => s.id)).toEqual([carlStream, zedStream]);
    await drained();
  });

  it('tells followers when a channel goes LIVE, live over graphql-ws and in their list', async () => {
    const [streamer, follower, stranger] = await Promise.all([
      registerUser(url, 'nstreamer'),
      registerUser(url, 'nfollower'),
      registerUser(url, 'nstranger'),
    ]);
    await follow(follower, streamer.id);
    const received = watch(follower);
    const strangerSees = watch(stranger);
    // The subscriptions are set up once a round trip on their sockets has completed.
    await connections[0].execute(UNREAD);
    await connections[1].execute(UNREAD);

    const streamId = await goLive(streamer, 'Gold breakout');
    const live = await received.waitFor((v) => v.notificationReceived.type === 'STREAM_LIVE');
    expect(live.notificationReceived).toMatchObject({
      type: 'STREAM_LIVE',
      read: false,
      actor: { id: streamer.id, username: streamer.username },
      stream: { id: streamId, title: 'Gold breakout', status: 'LIVE' },
      tip: null,
      clip: null,
    });
    const listed = await notifications(follower);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: live.notificationReceived.id, type: 'STREAM_LIVE' });
    expect(await unread(follower)).toBe(1);
    // The streamer was told of the new follower; the stranger of nothing.
    await drained();
    expect((await notifications(streamer)).map((n) => [n.type, n.actor?.id])).toEqual([
      ['NEW_FOLLOWER', follower.id],
    ]);
    expect(await notifications(stranger)).toEqual([]);
    expect(strangerSees.values).toEqual([]);
  });

  it('notifies once for a channel that flaps LIVE -> ENDED -> LIVE within 10 minutes, again after', async () => {
    const [streamer, follower] = await Promise.all([
      registerUser(url, 'flap'),
      registerUser(url, 'flapf'),
    ]);
    await follow(follower, streamer.id);
    const first = await goLive(streamer);
    await drained();
    await gql(url, END_STREAM, { id: first }, streamer.token);
    // Someone who follows between the two go-lives was told of neither: they hear of the second.
    const latecomer = await registerUser(url, 'flapl');
    await follow(latecomer, streamer.id);
    clock.advance(5 * 60);
    const second = await goLive(streamer);
    await drained();
    expect((await notifications(follower)).map((n) => n.stream?.id)).toEqual([first]);
    expect((await notifications(latecomer)).map((n) => n.stream?.id)).toEqual([second]);

    await gql(url, END_STREAM, { id: second }, streamer.token);
    clock.advance(11 * 60);
    const third = await goLive(streamer);
    await drained();
    expect((await notifications(follower)).map((n) => n.stream?.id)).toEqual([third, first]);
  });

  it('tells followers of a scheduled stream, and streamers of tips', async () => {
    const [streamer, follower] = await Promise.all([
      registerUser(url, 'sched'),
      registerUser(url, 'schedf'),
    ]);
    await follow(follower, streamer.id);
    const scheduledFor = new Date(clock.now().getTime() + 86_400_000).toISOString();
    const created = await gql<{ createStream: { id: string } }>(
      url,
      CREATE_STREAM,
      { input: { title: 'Weekly macro', scheduledFor } },
      streamer.token,
    );
    await drained();
    expect((await notifications(follower)).map((n) => [n.type, n.stream?.id])).toEqual([
      ['STREAM_SCHEDULED', created.data?.createStream.id],
    ]);

    const streamId = await goLive(streamer, 'Tips welcome');
    const admin = await loginAdmin(url);
    await gql(
      url,
      `mutation C($input: CreditWalletInput!) { creditWallet(input: $input) { balanceCents } }`,
      { input: { userId: follower.id, amountCents: 5000, reference: randomUUID() } },
      admin,
    );
    const tip = await gql<{ sendTip: { id: string } }>(
      url,
      `mutation T($input: SendTipInput!) { sendTip(input: $input) { id } }`,
      { input: { streamId, amountCents: 500, idempotencyKey: randomUUID() } },
      follower.token,
    );
    expect(tip.errors).toBeUndefined();
    await drained();
    const forStreamer = await notifications(streamer);
    expect(forStreamer[0]).toMatchObject({
      type: 'TIP_RECEIVED',
      actor: { id: follower.id },
      stream: { id: streamId },
      tip: { id: tip.data?.sendTip.id, amountCents: 500 },
    });
  });

  it('pages back with before and marks read up to a notification, own notifications only', async () => {
    const [user, other] = await Promise.all([
      registerUser(url, 'page'),
      registerUser(url, 'pageo'),
    ]);
    const followers = await Promise.all(
      Array.from({ length: 5 }, () => registerUser(url, 'pagef')),
    );
    for (const f of followers) await follow(f, user.id);
    await drained();
    const all = await notifications(user);
    expect(all).toHaveLength(5);
    expect(all.every((n) => n.type === 'NEW_FOLLOWER')).toBe(true);
    const page1 = await notifications(user, { limit: 2 });
    const page2 = await notifications(user, { limit: 2, before: page1[1].id });
    const page3 = await notifications(user, { limit: 2, before: page2[1].id });
    expect([...page1, ...page2, ...page3].map((n) => n.id)).toEqual(all.map((n) => n.id));

    // Up to the third newest: it and the older ones are read, the two newest are not.
    const left = await gql(url, MARK_READ, { upTo: all[2].id }, user.token);
    expect(left.data?.['markNotificationsRead']).toBe(2);
    expect((await notifications(user)).map((n) => n.read)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(await unread(user)).toBe(2);

    // Someone else's notification id is unknown to this user.
    expect(errorCode(await gql(url, MARK_READ, { upTo: all[0].id }, other.token))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await gql(url, MY_NOTIFICATIONS, { before: all[0].id }, other.token))).toBe(
      'NOT_FOUND',
    );
    expect(await unread(user)).toBe(2);
    expect((await gql(url, MARK_READ, {}, user.token)).data?.['markNotificationsRead']).toBe(0);
    expect(errorCode(await gql(url, UNREAD))).toBe('UNAUTHENTICATED');
  });

  it('refuses Web Push endpoints that are not https or point into a private network', async () => {
    const user = await registerUser(url, 'wpbad');
    for (const endpoint of [
      'http://push.example.com/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://10.1.2.3/x',
      'https://localhost/x',
      'javascript:alert(1)',
    ]) {
      const response = await gql(
        url,
        `mutation R($input: WebPushSubscriptionInput!) { registerWebPush(input: $input) }`,
        { input: { endpoint, p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } },
        user.token,
      );
      expect([endpoint, errorCode(response)]).toEqual([endpoint, 'BAD_USER_INPUT']);
    }
  });

  it('refuses notificationReceived to anonymous subscribers', async () => {
    const connection = wsConnect(url);
    connections.push(connection);
    const anonymous = subscribe(connection, NOTIFICATION_RECEIVED);
    await anonymous.completed;
    expect(JSON.stringify(anonymous.errors)).toContain('UNAUTHENTICATED');
  });

  it('fans a go-live out to 1,201 followers in jobs of 500, each notified once', async () => {
    const streamer = await registerUser(url, 'big');
    const db = running.app.get(DataSource);
    // Followers made in SQL (registering 1,201 users through the API would hash 1,201 passwords).
    await db.query(
      `WITH made AS (
         INSERT INTO users (username, display_name, password_hash)
         SELECT 'bf' || substr(md5(random()::text), 1, 12) || g, 'follower ' || g, 'x'
           FROM generate_series(1, 1201) g RETURNING id
       )
       INSERT INTO follows (follower_id, followee_id) SELECT id, $1 FROM made`,
      [streamer.id],
    );
    const queue = running.app.get(JobQueue);
    const jobs = `"${running.config.JOB_QUEUE_SCHEMA}".job`;
    const before = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${jobs} WHERE name = $1`,
      [DELIVER_QUEUE],
    );
    const streamId = await goLive(streamer);
    await drained();
    const [row] = await db.query<{ n: number; users: number }[]>(
      `SELECT count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM notifications
        WHERE stream_id = $1 AND type = 'STREAM_LIVE'`,
      [streamId],
    );
    expect(row).toEqual({ n: 1201, users: 1201 });
    const after = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${jobs} WHERE name = $1`,
      [DELIVER_QUEUE],
    );
    expect(after[0].n - before[0].n).toBe(3);
    expect(await queue.pending(DELIVER_QUEUE)).toBe(0);
  });
});

describe('notifications across two API instances', () => {
  const REDIS_URL = suiteRedis(process.env['TEST_REDIS_URL'], 7);
  let a: RunningApp;
  let b: RunningApp;
  const connections: WsConnection[] = [];

  beforeAll(async () => {
    // Two instances of one deployment: one Redis, one job queue.
    const JOB_QUEUE_SCHEMA = `pgboss_pair_${randomBytes(6).toString('hex')}`;
    [a, b] = await Promise.all([
      startTestApp({ REDIS_URL, JOB_QUEUE_SCHEMA }),
      startTestApp({ REDIS_URL, JOB_QUEUE_SCHEMA }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.dispose()));
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a go-live on one instance reaches a follower connected to the other, once', async () => {
    const [streamer, follower] = await Promise.all([
      registerUser(a.url, 'xs'),
      registerUser(a.url, 'xf'),
    ]);
    await gql(a.url, FOLLOW, { id: streamer.id }, follower.token);
    const connection = wsConnect(b.url, follower.token);
    connections.push(connection);
    const received = subscribe<{ notificationReceived: Notification }>(
      connection,
      NOTIFICATION_RECEIVED,
    );
    await connection.execute(UNREAD);
    const created = await gql<{ createStream: { id: string } }>(
      a.url,
      CREATE_STREAM,
      { input: { title: 'Across instances' } },
      streamer.token,
    );
    const got = await received.waitFor((v) => v.notificationReceived.type === 'STREAM_LIVE');
    expect(got.notificationReceived.stream?.id).toBe(created.data?.createStream.id);
    await eventually(async () => {
      const sizes = await Promise.all(
        [a, b].flatMap((app) => SOCIAL_QUEUES.map((q) => app.app.get(JobQueue).pending(q))),
      );
      return sizes.every((n) => n === 0) ? true : undefined;
    }, 20_000);
    expect(
      received.values.filter((v) => v.notificationReceived.type === 'STREAM_LIVE'),
    ).toHaveLength(1);
    const listed = await gql<{ myNotifications: Notification[] }>(
      b.url,
      MY_NOTIFICATIONS,
      {},
      follower.token,
    );
    expect(listed.data?.myNotifications.map((n) => n.type)).toEqual(['STREAM_LIVE']);
  });
});

describe('Web Push', () => {
  const REGISTER_PUSH = /* GraphQL */ `
    mutation R($input: WebPushSubscriptionInput!) {
      registerWebPush(input: $input)
    }
  `;
  const UNREGISTER_PUSH = /* GraphQL */ `
    mutation U($e: String!) {
      unregisterWebPush(endpoint: $e)
    }
  `;
  let running: RunningApp;
  let url: string;
  const pushService = new LocalPushService();

  const register = (who: User, subscriber: PushSubscriber) =>
    gql(
      url,
      REGISTER_PUSH,
      {
        input: { endpoint: subscriber.endpoint, p256dh: subscriber.p256dh, auth: subscriber.auth },
      },
      who.token,
    );

  beforeAll(async () => {
    await pushService.start();
    running = await startTestApp({
      WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
      PUBLIC_URL: 'https://live.example.com',
    });
    url = running.url;
  });
  afterAll(async () => {
    await running?.close();
    await pushService.close();
  });

  it('delivers a VAPID-signed, encrypted go-live message naming the stream and its URL', async () => {
    const [streamer, follower] = await Promise.all([
      registerUser(url, 'wps'),
      registerUser(url, 'wpf'),
    ]);
    const key = await gql<{ webPushPublicKey: string }>(url, '{ webPushPublicKey }');
    expect(key.data?.webPushPublicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const subscriber = pushService.subscribe();
    expect((await register(follower, subscriber)).errors).toBeUndefined();
    await gql(url, FOLLOW, { id: streamer.id }, follower.token);

    const created = await gql<{ createStream: { id: string } }>(
      url,
      CREATE_STREAM,
      { input: { title: 'Énergie : le pétrole' } },
      streamer.token,
    );
    const streamId = created.data?.createStream.id;
    await eventually(() => (subscriber.received.length > 0 ? true : undefined), 5_000, 50);
    expect(pushService.rejected).toEqual([]);
    const [push] = subscriber.received;
    expect(JSON.parse(push.payload)).toEqual({
      type: 'STREAM_LIVE',
      title: 'Énergie : le pétrole',
      streamer: streamer.username,
      streamId,
      url: `https://live.example.com/streams/${streamId}`,
    });
    expect(push.vapidPublicKey).toBe(key.data?.webPushPublicKey);
    expect(push.claims.sub).toMatch(/^mailto:/);
    await drainedOf(running);
    expect(subscriber.received).toHaveLength(1);
  });

  it('prunes an endpoint the push service says is gone, and retries one that failed', async () => {
    const [streamer, gone, flaky] = await Promise.all([
      registerUser(url, 'wps'),
      registerUser(url, 'wpg'),
      registerUser(url, 'wpk'),
    ]);
    const goneSub = pushService.subscribe({ status: 410 });
    const flakySub = pushService.subscribe({ failures: 1 });
    await register(gone, goneSub);
    await register(flaky, flakySub);
    await gql(url, FOLLOW, { id: streamer.id }, gone.token);
    await gql(url, FOLLOW, { id: streamer.id }, flaky.token);
    await gql(url, CREATE_STREAM, { input: { title: 'Retry me' } }, streamer.token);
    await eventually(() => (flakySub.received.length > 0 ? true : undefined), 15_000);
    expect(JSON.parse(flakySub.received[0].payload)).toMatchObject({ title: 'Retry me' });
    const rows = await running.app
      .get(DataSource)
      .query<{ endpoint: string }[]>(
        'SELECT endpoint FROM web_push_subscriptions WHERE user_id = $1',
        [gone.id],
      );
    expect(rows).toEqual([]);
  });

  it('unregisters an endpoint, and refuses bad keys', async () => {
    const user = await registerUser(url, 'wpu');
    const subscriber = pushService.subscribe();
    await register(user, subscriber);
    const removed = await gql(url, UNREGISTER_PUSH, { e: subscriber.endpoint }, user.token);
    expect(removed.data?.['unregisterWebPush']).toBe(true);
    expect(
      (await gql(url, UNREGISTER_PUSH, { e: subscriber.endpoint }, user.token)).data?.[
        'unregisterWebPush'
      ],
    ).toBe(false);
    const bad = await gql(
      url,
      REGISTER_PUSH,
      { input: { endpoint: subscriber.endpoint, p256dh: 'short', auth: subscriber.auth } },
      user.token,
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });
});

/** Every social job of that app done. */
function drainedOf(app: RunningApp) {
  return eventually(async () => {
    const queue = app.app.get(JobQueue);
    const sizes = await Promise.all(SOCIAL_QUEUES.map((name) => queue.pending(name)));
    return sizes.every((n) => n === 0) ? true : undefined;
  }, 20_000);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { buildSchema } from 'graphql';
import { DataSource } from 'typeorm';

import { SCOPES, type Scope } from '@finserve/shared';

import type { RunningApp } from '../src/bootstrap';
import {
  CREATE_STREAM,
  gql,
  loginAdmin,
  registerUser,
  subscribe,
  wsConnect,
  type GqlError,
} from './support/graphql-client';
import { ROOT } from './support/process';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

/**
 * The authorization matrix: every mutation and every subscription of the schema, called as
 * {anonymous, another user, the owner of the resource, an admin}, each on fresh fixtures, with the
 * outcome the API promises. 'ok' means the call succeeds (no error at all). The list of operations
 * is read from the schema: an operation without an entry here fails the first test.
 *
 * The scope dimension: each operation is also called by the owner through a personal access token
 * {without any scope, with the operation's scope} (SCOPE_OF). A token with the scope gets what the
 * owner's session gets; without it, FORBIDDEN with extensions.requiredScope. 'none': no scope is
 * needed (public operations); 'session': refused to every token (sessionRequired), whatever its
 * scopes.
 */
type Caller = 'anonymous' | 'other' | 'owner' | 'admin';
type Outcome =
  'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'INSUFFICIENT_FUNDS';
const CALLERS: Caller[] = ['anonymous', 'other', 'owner', 'admin'];

interface Person {
  token: string;
  id: string;
  username: string;
}

interface Fixture {
  url: string;
  owner: Person;
  other: Person;
  admin: Person;
  /** A LIVE stream of `owner`. */
  streamId: string;
}

interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

interface Entry {
  expect: Record<Caller, Outcome>;
  /** The operation, set up on a fresh fixture (run once per caller). */
  build(fixture: Fixture): Promise<Operation> | Operation;
}

const PASSWORD = 'correct horse battery';

type ScopeNeed = Scope | 'none' | 'session';
type TokenCaller = 'token without scopes' | 'token with its scope';
const TOKEN_CALLERS: TokenCaller[] = ['token without scopes', 'token with its scope'];

const SCOPE_OF: Record<string, ScopeNeed> = {
  // subscriptions
  watchStream: 'none',
  broadcastStream: 'streams:write',
  chatMessage: 'none',
  tipReceived: 'none',
  liveStreamsChanged: 'none',
  notificationReceived: 'notifications:read',
  mediaEvents: 'none',
  // mutations
  follow: 'session',
  unfollow: 'session',
  markNotificationsRead: 'notifications:read',
  registerWebPush: 'session',
  unregisterWebPush: 'session',
  register: 'none',
  login: 'none',
  refreshToken: 'none',
  logout: 'session',
  updateProfile: 'session',
  banUser: 'session',
  unbanUser: 'session',
  createStream: 'streams:write',
  startStream: 'streams:write',
  updateStream: 'streams:write',
  cancelScheduledStream: 'streams:write',
  endStream: 'streams:write',
  sendChatMessage: 'chat:write',
  sendTip: 'session',
  createClip: 'streams:write',
  deleteClip: 'streams:write',
  addFunds: 'session',
  requestPayout: 'session',
  creditWallet: 'session',
  deleteChatMessage: 'chat:moderate',
  banChatUser: 'chat:moderate',
  unbanChatUser: 'chat:moderate',
  timeoutChatUser: 'chat:moderate',
  setChatBlockedTerms: 'chat:moderate',
  setChatSlowMode: 'chat:moderate',
  rotateStreamKey: 'session',
  publishStream: 'streams:write',
  playStream: 'none',
  addIceCandidate: 'none',
  setPlaybackQuality: 'none',
  closeMediaSession: 'none',
  createPersonalAccessToken: 'session',
  revokePersonalAccessToken: 'session',
  createWebhook: 'webhooks:manage',
  deleteWebhook: 'webhooks:manage',
  createOAuthApp: 'session',
  deleteOAuthApp: 'session',
};

/** Whose token calls the operation: the owner's, or for admin operations an admin's. */
function holderOf(entry: Entry): 'owner' | 'admin' {
  return entry.expect.owner !== 'ok' && entry.expect.admin === 'ok' ? 'admin' : 'owner';
}

/** What the holder's token gets, given what the holder's session gets. */
function tokenOutcome(name: string, caller: TokenCaller, ownerOutcome: Outcome): string {
  const need = SCOPE_OF[name];
  if (need === 'session') return 'FORBIDDEN sessionRequired';
  if (need === 'none' || caller === 'token with its scope') return ownerOutcome;
  return `FORBIDDEN requiredScope=${need}`;
}

/** The outcome with the scope details of a FORBIDDEN, to compare with tokenOutcome. */
function scopedOutcomeOf(errors: readonly GqlError[] | undefined): string {
  const outcome = outcomeOf(errors);
  const extensions = errors?.[0]?.extensions;
  if (outcome !== 'FORBIDDEN' || !extensions) return outcome;
  if (extensions['sessionRequired'] === true) return 'FORBIDDEN sessionRequired';
  if (typeof extensions['requiredScope'] === 'string')
    return `FORBIDDEN requiredScope=${extensions['requiredScope']}`;
  return outcome;
}

/** A personal access token of `person`: no scope, or the one the operation needs (all: 'session'). */
async function tokenFor(
  fixture: Fixture,
  person: Person,
  name: string,
  caller: TokenCaller,
): Promise<string> {
  const need = SCOPE_OF[name];
  const scopes: readonly string[] =
    caller === 'token without scopes'
      ? []
      : need === 'session'
        ? SCOPES
        : need === 'none'
          ? []
          : [need];
  const created = await gql(
    fixture.url,
    'mutation P($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret } }',
    { input: { name: `matrix ${name}`, scopes } },
    person.token,
  );
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  return created.data?.['createPersonalAccessToken'].secret as string;
}
const everyone = (outcome: Outcome): Record<Caller, Outcome> => ({
  anonymous: outcome,
  other: outcome,
  owner: outcome,
  admin: outcome,
});
const signedIn: Record<Caller, Outcome> = { ...everyone('ok'), anonymous: 'UNAUTHENTICATED' };
const ownerOrAdmin: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  other: 'FORBIDDEN',
  owner: 'ok',
  admin: 'ok',
};
const ownerOnly: Record<Caller, Outcome> = { ...ownerOrAdmin, admin: 'FORBIDDEN' };
const adminOnly: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  other: 'FORBIDDEN',
  owner: 'FORBIDDEN',
  admin: 'ok',
};
/** Media sessions: only their owner, whoever else asks (anonymous included) is FORBIDDEN. */
const sessionOwnerOnly: Record<Caller, Outcome> = {
  anonymous: 'FORBIDDEN',
  other: 'FORBIDDEN',
  owner: 'ok',
  admin: 'FORBIDDEN',
};

/** The app's database (fixtures that need media the matrix does not run, e.g. a clip). */
let database: DataSource | undefined;

/** A clip of the fixture's stream made by `author` (inserted: a real one needs packaged video). */
async function clipBy(fixture: Fixture, author: Person): Promise<string> {
  const [row] = (await database?.query(
    `INSERT INTO clips (stream_id, author_id, streamer_id, title, start_seconds, duration_seconds, status)
     VALUES ($1, $2, $3, 'a clip', 0, 30, 'PROCESSING') RETURNING id`,
    [fixture.streamId, author.id, fixture.owner.id],
  )) as { id: string }[];
  return row.id;
}

async function thirdUser(fixture: Fixture): Promise<Person> {
  return registerUser(fixture.url, 'third');
}

async function chatMessageBy(fixture: Fixture, author: Person): Promise<string> {
  const sent = await gql(
    fixture.url,
    'mutation M($s: ID!) { sendChatMessage(streamId: $s, body: "hello") { id } }',
    { s: fixture.streamId },
    author.token,
  );
  return sent.data?.['sendChatMessage'].id as string;
}

const peers: { close(): Promise<void> }[] = [];

/** A PLAY media session of the owner on their stream (a real SFU session). */
async function ownersPlaySession(fixture: Fixture): Promise<string> {
  const publisher = new SyntheticPublisher();
  const viewer = new CountingSubscriber();
  peers.push(publisher, viewer);
  const published = await gql(
    fixture.url,
    'mutation P($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId } }',
    { s: fixture.streamId, sdp: await publisher.offer() },
    fixture.owner.token,
  );
  if (published.errors) throw new Error(JSON.stringify(published.errors));
  const played = await gql(
    fixture.url,
    'mutation P($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId } }',
    { s: fixture.streamId, sdp: await viewer.offer() },
    fixture.owner.token,
  );
  if (played.errors) throw new Error(JSON.stringify(played.errors));
  return played.data?.['playStream'].sessionId as string;
}

const SUBSCRIPTIONS: Record<string, Entry> = {
  watchStream: {
    expect: everyone('ok'),
    build: (f) => ({
      query: 'subscription W($s: ID!) { watchStream(streamId: $s) { id } }',
      variables: { s: f.streamId },
    }),
  },
  broadcastStream: {
    expect: ownerOnly,
    build: (f) => ({
      query: 'subscription B($s: ID!) { broadcastStream(streamId: $s) { id } }',
      variables: { s: f.streamId },
    }),
  },
  chatMessage: {
    expect: everyone('ok'),
    build: (f) => ({
      query: 'subscription C($s: ID!) { chatMessage(streamId: $s) { id } }',
      variables: { s: f.streamId },
    }),
  },
  tipReceived: {
    expect: everyone('ok'),
    build: (f) => ({
      query: 'subscription T($s: ID!) { tipReceived(streamId: $s) { id } }',
      variables: { s: f.streamId },
    }),
  },
  liveStreamsChanged: {
    expect: everyone('ok'),
    build: () => ({ query: 'subscription { liveStreamsChanged { id } }' }),
  },
  notificationReceived: {
    expect: signedIn,
    build: () => ({ query: 'subscription { notificationReceived { id } }' }),
  },
  mediaEvents: {
    expect: sessionOwnerOnly,
    build: async (f) => ({
      query: 'subscription E($id: ID!) { mediaEvents(sessionId: $id) { type } }',
      variables: { id: await ownersPlaySession(f) },
    }),
  },
};

const MUTATIONS: Record<string, Entry> = {
  follow: {
    // Following the owner: anyone signed in but the owner (following yourself is bad input).
    expect: { anonymous: 'UNAUTHENTICATED', other: 'ok', owner: 'BAD_USER_INPUT', admin: 'ok' },
    build: (f) => ({
      query: 'mutation F($id: ID!) { follow(userId: $id) { id followerCount } }',
      variables: { id: f.owner.id },
    }),
  },
  unfollow: {
    expect: signedIn,
    build: (f) => ({
      query: 'mutation U($id: ID!) { unfollow(userId: $id) { id } }',
      variables: { id: f.owner.id },
    }),
  },
  markNotificationsRead: {
    expect: signedIn,
    build: () => ({ query: 'mutation { markNotificationsRead }' }),
  },
  registerWebPush: {
    expect: signedIn,
    build: () => ({
      query: 'mutation R($input: WebPushSubscriptionInput!) { registerWebPush(input: $input) }',
      variables: {
        input: {
          // A public address literal: no DNS lookup in the check.
          endpoint: `https://93.184.215.14/push/${Math.random().toString(36).slice(2)}`,
          p256dh: 'B'.repeat(87),
          auth: 'A'.repeat(22),
        },
      },
    }),
  },
  unregisterWebPush: {
    expect: signedIn,
    build: () => ({
      query: 'mutation U($e: String!) { unregisterWebPush(endpoint: $e) }',
      variables: { e: 'https://93.184.215.14/push/none' },
    }),
  },
  register: {
    expect: everyone('ok'),
    build: () => ({
      query:
        'mutation R($u: String!) { register(input: { username: $u, password: "password123" }) { accessToken } }',
      variables: { u: `r_${Math.random().toString(36).slice(2, 12)}` },
    }),
  },
  login: {
    expect: everyone('ok'),
    build: (f) => ({
      query:
        'mutation L($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { accessToken } }',
      variables: { u: f.owner.username, p: PASSWORD },
    }),
  },
  refreshToken: {
    expect: everyone('ok'),
    build: async (f) => {
      const login = await gql(
        f.url,
        'mutation L($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { refreshToken } }',
        { u: f.owner.username, p: PASSWORD },
      );
      return {
        query: 'mutation F($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
        variables: { t: login.data?.['login'].refreshToken },
      };
    },
  },
  logout: { expect: signedIn, build: () => ({ query: 'mutation { logout }' }) },
  updateProfile: {
    expect: signedIn,
    build: () => ({
      query: 'mutation { updateProfile(input: { displayName: "New name" }) { id } }',
    }),
  },
  banUser: {
    expect: adminOnly,
    build: async (f) => ({
      query: 'mutation B($id: ID!) { banUser(userId: $id, reason: "matrix") { id } }',
      variables: { id: (await thirdUser(f)).id },
    }),
  },
  unbanUser: {
    expect: adminOnly,
    build: async (f) => ({
      query: 'mutation U($id: ID!) { unbanUser(userId: $id) { id } }',
      variables: { id: (await thirdUser(f)).id },
    }),
  },
  createStream: {
    // "owner" and "other" alike: a signed-in user without a LIVE stream
    expect: signedIn,
    build: async (f) => {
      f.owner = await registerUser(f.url, 'new'); // one LIVE stream at a time: a user without one
      return { query: 'mutation { createStream(input: { title: "Matrix" }) { id } }' };
    },
  },
  startStream: {
    expect: ownerOnly,
    build: async (f) => {
      // the owner's stream is LIVE already: this case's owner is a streamer with a SCHEDULED one
      f.owner = await registerUser(f.url, 'sched');
      const scheduled = await gql(
        f.url,
        CREATE_STREAM,
        { input: { title: 'Later', scheduledFor: new Date(Date.now() + 3_600_000).toISOString() } },
        f.owner.token,
      );
      return {
        query: 'mutation S($s: ID!) { startStream(streamId: $s) { id } }',
        variables: { s: scheduled.data?.['createStream'].id },
      };
    },
  },
  updateStream: {
    // only the streamer (an admin moderates by ending, not by rewriting a streamer's title)
    expect: ownerOnly,
    build: (f) => ({
      query:
        'mutation U($s: ID!) { updateStream(streamId: $s, input: { title: "Renamed", tags: ["fx"] }) { id } }',
      variables: { s: f.streamId },
    }),
  },
  cancelScheduledStream: {
    expect: ownerOnly,
    build: async (f) => {
      const scheduled = await gql(
        f.url,
        CREATE_STREAM,
        { input: { title: 'Later', scheduledFor: new Date(Date.now() + 3_600_000).toISOString() } },
        f.owner.token,
      );
      return {
        query: 'mutation C($s: ID!) { cancelScheduledStream(streamId: $s) }',
        variables: { s: scheduled.data?.['createStream'].id },
      };
    },
  },
  endStream: {
    expect: ownerOrAdmin,
    build: (f) => ({
      query: 'mutation E($s: ID!) { endStream(streamId: $s) { id } }',
      variables: { s: f.streamId },
    }),
  },
  sendChatMessage: {
    expect: signedIn,
    build: (f) => ({
      query: 'mutation M($s: ID!) { sendChatMessage(streamId: $s, body: "hi") { id } }',
      variables: { s: f.streamId },
    }),
  },
  sendTip: {
    // tipping one's own stream is refused
    expect: { ...signedIn, owner: 'FORBIDDEN' },
    build: (f) => ({
      query:
        'mutation T($s: ID!, $k: String!) { sendTip(input: { streamId: $s, amountCents: 100, idempotencyKey: $k }) { id } }',
      variables: { s: f.streamId, k: `k-${Math.random()}` },
    }),
  },
  createClip: {
    // The fixture's LIVE stream has no publisher, so nothing is packaged to clip: signed-in
    // callers get through to the input check.
    expect: {
      anonymous: 'UNAUTHENTICATED',
      other: 'BAD_USER_INPUT',
      owner: 'BAD_USER_INPUT',
      admin: 'BAD_USER_INPUT',
    },
    build: (f) => ({
      query: 'mutation C($s: ID!) { createClip(input: { streamId: $s }) { id } }',
      variables: { s: f.streamId },
    }),
  },
  deleteClip: {
    // A third user's clip of the owner's stream: the streamer and admins may delete it.
    expect: ownerOrAdmin,
    build: async (f) => ({
      query: 'mutation D($id: ID!) { deleteClip(clipId: $id) }',
      variables: { id: await clipBy(f, await thirdUser(f)) },
    }),
  },
  addFunds: {
    // Anyone signed in starts a deposit of their own (sandbox provider in tests).
    expect: signedIn,
    build: () => ({
      query:
        'mutation A($k: String!) { addFunds(input: { amountCents: 500, idempotencyKey: $k }) { id status } }',
      variables: { k: `k-${Math.random()}` },
    }),
  },
  requestPayout: {
    // Each caller pays out their own earnings: the owner earned a tip on the stream; the others
    // hold only deposited money, which is never withdrawable.
    expect: {
      anonymous: 'UNAUTHENTICATED',
      other: 'INSUFFICIENT_FUNDS',
      owner: 'ok',
      admin: 'INSUFFICIENT_FUNDS',
    },
    build: async (f) => {
      const fan = await thirdUser(f);
      await gql(
        f.url,
        'mutation C($id: ID!, $r: String!) { creditWallet(input: { userId: $id, amountCents: 5000, reference: $r }) { balanceCents } }',
        { id: fan.id, r: `fan-${Math.random()}` },
        f.admin.token,
      );
      const tipped = await gql(
        f.url,
        'mutation T($s: ID!, $k: String!) { sendTip(input: { streamId: $s, amountCents: 5000, idempotencyKey: $k }) { id } }',
        { s: f.streamId, k: `k-${Math.random()}` },
        fan.token,
      );
      if (tipped.errors) throw new Error(JSON.stringify(tipped.errors));
      return {
        query:
          'mutation P($k: String!) { requestPayout(input: { amountCents: 1000, idempotencyKey: $k }) { id status } }',
        variables: { k: `k-${Math.random()}` },
      };
    },
  },
  createWebhook: {
    // The owner's channel events: only the owner (an admin neither: not their channel).
    expect: ownerOnly,
    build: (f) => ({
      query:
        'mutation W($b: ID!) { createWebhook(input: { url: "http://127.0.0.1:9/matrix", events: [TIP_RECEIVED], broadcasterId: $b }) { secret webhook { id } } }',
      variables: { b: f.owner.id },
    }),
  },
  deleteWebhook: {
    // The owner's webhook: only the owner (a webhook holds a secret; admins do not manage it).
    expect: ownerOnly,
    build: async (f) => {
      const created = await gql(
        f.url,
        'mutation W { createWebhook(input: { url: "http://127.0.0.1:9/matrix", events: [STREAM_ONLINE] }) { webhook { id } } }',
        {},
        f.owner.token,
      );
      return {
        query: 'mutation D($id: ID!) { deleteWebhook(id: $id) }',
        variables: { id: created.data?.['createWebhook'].webhook.id as string },
      };
    },
  },
  creditWallet: {
    expect: adminOnly,
    build: (f) => ({
      query:
        'mutation C($id: ID!, $r: String!) { creditWallet(input: { userId: $id, amountCents: 500, reference: $r }) { balanceCents } }',
      variables: { id: f.other.id, r: `ref-${Math.random()}` },
    }),
  },
  deleteChatMessage: {
    expect: ownerOrAdmin,
    build: async (f) => ({
      query: 'mutation D($id: ID!) { deleteChatMessage(messageId: $id) { id } }',
      variables: { id: await chatMessageBy(f, await thirdUser(f)) },
    }),
  },
  banChatUser: {
    expect: ownerOrAdmin,
    build: async (f) => ({
      query: 'mutation B($s: ID!, $u: ID!) { banChatUser(streamId: $s, userId: $u) { id } }',
      variables: { s: f.streamId, u: (await thirdUser(f)).id },
    }),
  },
  unbanChatUser: {
    expect: ownerOrAdmin,
    build: async (f) => ({
      query: 'mutation B($s: ID!, $u: ID!) { unbanChatUser(streamId: $s, userId: $u) { id } }',
      variables: { s: f.streamId, u: (await thirdUser(f)).id },
    }),
  },
  timeoutChatUser: {
    expect: ownerOrAdmin,
    build: async (f) => ({
      query:
        'mutation B($s: ID!, $u: ID!) { timeoutChatUser(streamId: $s, userId: $u, seconds: 60) { id } }',
      variables: { s: f.streamId, u: (await thirdUser(f)).id },
    }),
  },
  setChatBlockedTerms: {
    expect: ownerOrAdmin,
    build: (f) => ({
      query:
        'mutation S($s: ID!) { setChatBlockedTerms(streamId: $s, terms: ["spam"]) { streamId } }',
      variables: { s: f.streamId },
    }),
  },
  setChatSlowMode: {
    expect: ownerOrAdmin,
    build: (f) => ({
      query: 'mutation S($s: ID!) { setChatSlowMode(streamId: $s, seconds: 5) { streamId } }',
      variables: { s: f.streamId },
    }),
  },
  rotateStreamKey: { expect: signedIn, build: () => ({ query: 'mutation { rotateStreamKey }' }) },
  publishStream: {
    expect: ownerOnly,
    build: async (f) => {
      const publisher = new SyntheticPublisher();
      peers.push(publisher);
      return {
        query:
          'mutation P($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId } }',
        variables: { s: f.streamId, sdp: await publisher.offer() },
      };
    },
  },
  playStream: {
    expect: everyone('ok'),
    build: async (f) => {
      const viewer = new CountingSubscriber();
      peers.push(viewer);
      return {
        query:
          'mutation P($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId } }',
        variables: { s: f.streamId, sdp: await viewer.offer() },
      };
    },
  },
  addIceCandidate: {
    expect: sessionOwnerOnly,
    build: async (f) => ({
      query:
        'mutation A($id: ID!) { addIceCandidate(sessionId: $id, candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", sdpMid: "0") }',
      variables: { id: await ownersPlaySession(f) },
    }),
  },
  setPlaybackQuality: {
    expect: sessionOwnerOnly,
    build: async (f) => ({
      query: 'mutation Q($id: ID!) { setPlaybackQuality(sessionId: $id, quality: LOW) }',
      variables: { id: await ownersPlaySession(f) },
    }),
  },
  closeMediaSession: {
    expect: sessionOwnerOnly,
    build: async (f) => ({
      query: 'mutation C($id: ID!) { closeMediaSession(sessionId: $id) }',
      variables: { id: await ownersPlaySession(f) },
    }),
  },
  createPersonalAccessToken: {
    expect: signedIn,
    build: () => ({
      query:
        'mutation P { createPersonalAccessToken(input: { name: "bot", scopes: ["chat:write"] }) { secret } }',
    }),
  },
  revokePersonalAccessToken: {
    // The owner's token: only the owner may revoke it (anyone else: not found).
    expect: { anonymous: 'UNAUTHENTICATED', other: 'NOT_FOUND', owner: 'ok', admin: 'NOT_FOUND' },
    build: async (f) => {
      const created = await gql(
        f.url,
        'mutation P { createPersonalAccessToken(input: { name: "bot", scopes: [] }) { token { id } } }',
        {},
        f.owner.token,
      );
      return {
        query: 'mutation R($id: ID!) { revokePersonalAccessToken(id: $id) }',
        variables: { id: created.data?.['createPersonalAccessToken'].token.id },
      };
    },
  },
  createOAuthApp: {
    expect: signedIn,
    build: () => ({
      query:
        'mutation A { createOAuthApp(input: { name: "matrix app", redirectUris: ["https://app.example.com/cb"] }) { clientSecret } }',
    }),
  },
  deleteOAuthApp: {
    // The owner's app: only the owner may delete it (anyone else: not found).
    expect: { anonymous: 'UNAUTHENTICATED', other: 'NOT_FOUND', owner: 'ok', admin: 'NOT_FOUND' },
    build: async (f) => {
      const created = await gql(
        f.url,
        'mutation A { createOAuthApp(input: { name: "doomed", redirectUris: ["https://app.example.com/cb"] }) { app { id } } }',
        {},
        f.owner.token,
      );
      return {
        query: 'mutation D($id: ID!) { deleteOAuthApp(id: $id) }',
        variables: { id: created.data?.['createOAuthApp'].app.id },
      };
    },
  },
};

const schema = buildSchema(readFileSync(join(ROOT, 'apps', 'api', 'schema.graphql'), 'utf8'));
const schemaMutations = Object.keys(schema.getMutationType()?.getFields() ?? {}).sort();
const schemaSubscriptions = Object.keys(schema.getSubscriptionType()?.getFields() ?? {}).sort();

function outcomeOf(errors: readonly GqlError[] | undefined): string {
  if (!errors?.length) return 'ok';
  return errors[0].extensions?.code ?? `no code: ${errors[0].message}`;
}

describe('authorization matrix (generated from the schema)', () => {
  let running: RunningApp;
  let url: string;
  let adminUser: Person;

  beforeAll(async () => {
    running = await startTestApp({
      TIP_RATE_LIMIT_PER_MINUTE: '100000',
      // Webhook URLs on 127.0.0.1 (nothing listens on its port 9: deliveries just fail).
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    database = running.app.get(DataSource);
    url = running.url;
    const token = await loginAdmin(url);
    const me = await gql(url, '{ me { id username } }', {}, token);
    adminUser = { token, ...(me.data?.['me'] as { id: string; username: string }) };
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
    await running?.close();
  });

  it('has an entry for every mutation and subscription of the schema, and none for operations that do not exist', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual(schemaMutations);
    expect(Object.keys(SUBSCRIPTIONS).sort()).toEqual(schemaSubscriptions);
    expect(Object.keys(SCOPE_OF).sort()).toEqual(
      [...schemaMutations, ...schemaSubscriptions].sort(),
    );
  });

  /** A fresh owner with a LIVE stream, a fresh other user and an admin session, all with money. */
  async function freshFixture(): Promise<Fixture> {
    // a session of its own: the logout case must not end the other cases' admin session
    const admin = { ...adminUser, token: await loginAdmin(url) };
    const owner = await registerUser(url, 'owner');
    const other = await registerUser(url, 'other');
    const created = await gql(url, CREATE_STREAM, { input: { title: 'Matrix' } }, owner.token);
    const streamId = created.data?.['createStream'].id as string;
    for (const person of [owner, other, admin]) {
      await gql(
        url,
        'mutation C($id: ID!, $r: String!) { creditWallet(input: { userId: $id, amountCents: 10000, reference: $r }) { balanceCents } }',
        { id: person.id, r: `seed-${Math.random()}` },
        admin.token,
      );
    }
    return { url, owner, other, admin, streamId };
  }

  function tokenOf(fixture: Fixture, caller: Caller): string | undefined {
    return caller === 'anonymous' ? undefined : fixture[caller].token;
  }

  const mutationCases = Object.entries(MUTATIONS).flatMap(([name, entry]) =>
    CALLERS.map((caller) => [name, caller, entry.expect[caller], entry] as const),
  );

  it.each(mutationCases)('mutation %s as %s -> %s', async (name, caller, expected, entry) => {
    const fixture = await freshFixture();
    const operation = await entry.build(fixture);
    const answer = await gql(url, operation.query, operation.variables, tokenOf(fixture, caller));
    expect(outcomeOf(answer.errors)).toBe(expected);
    if (expected === 'ok') expect(answer.data?.[name]).toBeDefined();
  });

  const mutationTokenCases = Object.entries(MUTATIONS).flatMap(([name, entry]) =>
    TOKEN_CALLERS.map(
      (caller) =>
        [name, caller, tokenOutcome(name, caller, entry.expect[holderOf(entry)]), entry] as const,
    ),
  );

  it.each(mutationTokenCases)(
    'mutation %s as the owner (admin operations: an admin) through a %s -> %s',
    async (name, caller, expected, entry) => {
      const fixture = await freshFixture();
      const operation = await entry.build(fixture);
      const token = await tokenFor(fixture, fixture[holderOf(entry)], name, caller);
      const answer = await gql(url, operation.query, operation.variables, token);
      expect(scopedOutcomeOf(answer.errors)).toBe(expected);
      if (expected === 'ok') expect(answer.data?.[name]).toBeDefined();
    },
  );

  const subscriptionCases = Object.entries(SUBSCRIPTIONS).flatMap(([name, entry]) =>
    CALLERS.map((caller) => [name, caller, entry.expect[caller], entry] as const),
  );

  it.each(subscriptionCases)(
    'subscription %s as %s -> %s',
    async (_name, caller, expected, entry) => {
      const fixture = await freshFixture();
      const operation = await entry.build(fixture);
      expect(await subscriptionOutcome(operation, tokenOf(fixture, caller))).toBe(expected);
    },
  );

  const subscriptionTokenCases = Object.entries(SUBSCRIPTIONS).flatMap(([name, entry]) =>
    TOKEN_CALLERS.map(
      (caller) =>
        [name, caller, tokenOutcome(name, caller, entry.expect[holderOf(entry)]), entry] as const,
    ),
  );

  it.each(subscriptionTokenCases)(
    'subscription %s as the owner through a %s -> %s',
    async (name, caller, expected, entry) => {
      const fixture = await freshFixture();
      const operation = await entry.build(fixture);
      const token = await tokenFor(fixture, fixture[holderOf(entry)], name, caller);
      expect(await subscriptionOutcome(operation, token)).toBe(expected);
    },
  );

  /** Subscribes on a fresh socket: the error's outcome, 'ok' when it yields or stays open. */
  async function subscriptionOutcome(
    operation: Operation,
    token: string | undefined,
  ): Promise<string> {
    const socket = wsConnect(url, token);
    try {
      await socket.connected;
      const subscription = subscribe(socket, operation.query, operation.variables);
      // A refusal arrives at once (the guards run when the subscription starts: a few ms); an
      // accepted subscription either yields or stays open.
      await Promise.race([
        subscription.completed,
        subscription.waitFor(() => true, 500).catch(() => undefined),
      ]);
      return subscription.errors.length > 0
        ? scopedOutcomeOf(subscription.errors as GqlError[])
        : subscription.values.length > 0 || !(await settled(subscription.completed))
          ? 'ok'
          : 'completed without a value';
    } finally {
      await socket.dispose();
    }
  }
});

/** True when the promise has already settled. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise.then(() => true), Promise.resolve(marker)])) !== marker;
}

import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

import { compileTrust, parseTrustProxy, type TrustFn, type TrustProxy } from '../http/client-ip';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const MEDIA_BACKENDS = ['embedded', 'external'] as const;
export type MediaBackendKind = (typeof MEDIA_BACKENDS)[number];
export const RECORDING_STORAGES = ['local', 's3'] as const;
export type RecordingStorageKind = (typeof RECORDING_STORAGES)[number];
export const PAYMENTS_PROVIDERS = ['sandbox', 'stripe'] as const;
export type PaymentsProviderKind = (typeof PAYMENTS_PROVIDERS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/**
 * Every setting of the API, read from the environment once at boot and validated.
 * A bad value stops the process with one line naming the variable (see loadConfig).
 * Defaults here are the documented defaults of the README's configuration table.
 */
export class AppConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 0 and 65535 (0: any free port)' })
  @Min(0, { message: 'must be an integer between 0 and 65535 (0: any free port)' })
  @Max(65535, { message: 'must be an integer between 0 and 65535 (0: any free port)' })
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /**
   * The listening socket's queue of connections not yet accepted (the kernel caps it at
   * net.core.somaxconn). Node's default, 511, overflowed when 2,000 HLS players connected at once.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 16 and 65535' })
  @Min(16, { message: 'must be an integer between 16 and 65535' })
  @Max(65535, { message: 'must be an integer between 16 and 65535' })
  HTTP_LISTEN_BACKLOG = 4096;

  /** Largest accepted HTTP request body (a GraphQL request), in bytes. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1024 and 10485760' })
  @Min(1024, { message: 'must be an integer between 1024 and 10485760' })
  @Max(10_485_760, { message: 'must be an integer between 1024 and 10485760' })
  HTTP_BODY_LIMIT_BYTES = 262_144;

  /** PostgreSQL connection URL; without it an embedded PostgreSQL is started under DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string = undefined;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  DB_MIGRATE_ON_START = true;

  /** Port of the embedded PostgreSQL (another free port is chosen when it is taken). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1024 and 65535' })
  @Min(1024, { message: 'must be an integer between 1024 and 65535' })
  @Max(65535, { message: 'must be an integer between 1024 and 65535' })
  EMBEDDED_PG_PORT = 54329;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string = undefined;

  /** HMAC secret of access tokens. Required (>= 32 chars) in production; generated per DATA_DIR otherwise. */
  @IsOptional()
  @IsString()
  JWT_SECRET?: string = undefined;

  /** Access-token lifetime: seconds, or a number with s/m/h/d (e.g. 15m). */
  @Matches(/^\d+[smhd]?$/, { message: 'must be a duration such as 900, 15m, 1h or 1d' })
  JWT_TTL = '15m';

  /** Refresh-token lifetime (each use rotates it): seconds, or a number with s/m/h/d. */
  @Matches(/^\d+[smhd]?$/, { message: 'must be a duration such as 3600, 12h or 30d' })
  REFRESH_TOKEN_TTL = '30d';

  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{3,32}$/, { message: 'must be 3..32 characters of [A-Za-z0-9_]' })
  ADMIN_USERNAME?: string = undefined;

  @IsOptional()
  @MinLength(8, { message: 'must be at least 8 characters' })
  @MaxLength(256, { message: 'must be at most 256 characters' })
  ADMIN_PASSWORD?: string = undefined;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 0 and 10000 (basis points)' })
  @Min(0, { message: 'must be an integer between 0 and 10000 (basis points)' })
  @Max(10000, { message: 'must be an integer between 0 and 10000 (basis points)' })
  PLATFORM_FEE_BPS = 500;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  API_RATE_LIMIT_PER_MINUTE = 100;

  /** login/register attempts per client IP per minute (brute force, mass registration). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  AUTH_RATE_LIMIT_PER_IP_PER_MINUTE = 10;

  /** login/register attempts per username per hour, whatever the IP (password guessing). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  AUTH_RATE_LIMIT_PER_USERNAME_PER_HOUR = 20;

  /** Deepest selection nesting accepted in a GraphQL operation. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 2 and 100' })
  @Min(2, { message: 'must be an integer between 2 and 100' })
  @Max(100, { message: 'must be an integer between 2 and 100' })
  GRAPHQL_MAX_DEPTH = 10;

  /** Highest cost of an operation: 1 per field, a list field's selection times its `limit`. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  GRAPHQL_MAX_COMPLEXITY = 10_000;

  /** Most aliases in one operation. */
  @Transform(toInt)
  @IsInt({ message: 'must be a non-negative integer' })
  @Min(0, { message: 'must be a non-negative integer' })
  GRAPHQL_MAX_ALIASES = 15;

  /** Most root fields (top-level selections) in one operation. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  GRAPHQL_MAX_ROOT_FIELDS = 10;

  /** Largest GraphQL document (the query text), in bytes. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 256 and 1048576' })
  @Min(256, { message: 'must be an integer between 256 and 1048576' })
  @Max(1_048_576, { message: 'must be an integer between 256 and 1048576' })
  GRAPHQL_MAX_DOCUMENT_BYTES = 20_000;

  /**
   * Whose X-Forwarded-For is believed for the client address (rate limits, connection caps),
   * with Express's `trust proxy` semantics (proxy-addr): `loopback` (default: a proxy on this
   * host), a comma-separated list of addresses, CIDR ranges and the names loopback, linklocal,
   * uniquelocal (e.g. `loopback,10.0.0.0/8` behind a load balancer in that network), a number
   * of hops, `true` (every hop) or `false` (none: the socket's peer is the client).
   */
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    try {
      return parseTrustProxy(value);
    } catch {
      return null;
    }
  })
  @IsDefined({
    message:
      'must be true, false, a number of hops, or a comma-separated list of IP addresses, CIDR ranges, loopback, linklocal, uniquelocal',
  })
  TRUST_PROXY: TrustProxy = ['loopback'];

  /** Browser origins allowed to call the API cross-origin (CORS), comma separated; none by default. */
  @Transform(toList)
  @Matches(/^https?:\/\/[^/\s]+$/, {
    each: true,
    message: 'must be a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS: string[] = [];

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  CHAT_RATE_LIMIT_PER_SECOND = 3;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  TIP_RATE_LIMIT_PER_MINUTE = 10;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  TIP_MIN_CENTS = 100;

  /** follow/unfollow calls per user per minute. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  FOLLOW_RATE_LIMIT_PER_MINUTE = 30;

  /**
   * The web app's public origin (e.g. https://live.example.com), for links that leave the site
   * (Web Push notifications). Unset: links are paths, resolved by the service worker against the
   * origin that registered it.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s]+$/, {
    message: 'must be an origin such as https://live.example.com',
  })
  PUBLIC_URL?: string = undefined;

  /**
   * VAPID key pair of Web Push (base64url, as `npx web-push generate-vapid-keys` prints). Both or
   * neither; required in production. Elsewhere a pair is generated once and kept in the database.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{80,100}$/, { message: 'must be a base64url P-256 public key' })
  VAPID_PUBLIC_KEY?: string = undefined;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{40,50}$/, { message: 'must be a base64url P-256 private key' })
  VAPID_PRIVATE_KEY?: string = undefined;

  /** Who push services contact about this sender: a mailto: or https: URL. */
  @Matches(/^(mailto:\S+@\S+|https:\/\/\S+)$/, { message: 'must be a mailto: or https: URL' })
  VAPID_SUBJECT = 'mailto:admin@finserve.invalid';

  /**
   * Lets Web Push endpoints be http: and on private or loopback addresses (a local push service
   * in tests and benches). Never in production.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS = false;

  /**
   * Lets webhook URLs be on loopback, private, link-local, unique-local or multicast addresses
   * (a local receiver in tests and benches). Refused in production.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  WEBHOOK_ALLOW_PRIVATE = false;

  /**
   * PostgreSQL schema of the durable job queue (pg-boss). Every instance of one deployment shares
   * it; separate deployments (or test apps with different settings) on one database use their own.
   */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63)',
  })
  JOB_QUEUE_SCHEMA = 'pgboss';

  /**
   * Key that encrypts webhook signing secrets at rest (AES-256-GCM; they must be recoverable to
   * sign). Unset: derived from the JWT secret.
   */
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  WEBHOOK_SECRET_KEY?: string = undefined;

  /** First delay before a failed webhook delivery is tried again (doubling each time, at most 1 h). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 3600 (seconds)' })
  @Min(1, { message: 'must be an integer between 1 and 3600 (seconds)' })
  @Max(3600, { message: 'must be an integer between 1 and 3600 (seconds)' })
  WEBHOOK_RETRY_BASE_SECONDS = 10;

  /** How long a webhook delivery is retried; a webhook failing this long is disabled. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 604800 (seconds)' })
  @Min(1, { message: 'must be an integer between 1 and 604800 (seconds)' })
  @Max(604_800, { message: 'must be an integer between 1 and 604800 (seconds)' })
  WEBHOOK_RETRY_WINDOW_SECONDS = 86_400;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  TIP_MAX_CENTS = 100000;

  /** Accepted ISO-4217 currency codes, comma separated. */
  @Transform(toList)
  @Matches(/^[A-Z]{3}$/, {
    each: true,
    message: 'must be a comma-separated list of ISO-4217 codes (e.g. USD,EUR)',
  })
  CURRENCIES: string[] = ['USD'];

  /**
   * Where added funds are paid: `stripe` (Checkout) or `sandbox` (a TEST MODE page served by the
   * API). Default: sandbox outside production; in production stripe if STRIPE_SECRET_KEY is set.
   */
  @IsOptional()
  @IsIn(PAYMENTS_PROVIDERS, { message: `must be one of ${PAYMENTS_PROVIDERS.join(', ')}` })
  PAYMENTS_PROVIDER?: PaymentsProviderKind = undefined;

  /** Production refuses to start with the sandbox provider unless this is true. */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  PAYMENTS_SANDBOX_IN_PRODUCTION = false;

  /** Stripe's secret API key (sk_...), needed with PAYMENTS_PROVIDER=stripe. */
  @IsOptional()
  @IsString()
  STRIPE_SECRET_KEY?: string = undefined;

  /**
   * The signing secret of the `POST /webhooks/stripe` endpoint (whsec_...). Needed with stripe;
   * with the sandbox, a secret is generated at start when unset.
   */
  @IsOptional()
  @IsString()
  STRIPE_WEBHOOK_SECRET?: string = undefined;

  /** Points the Stripe SDK at another server (tests: a local stand-in). Default: Stripe's. */
  @IsOptional()
  @IsString()
  STRIPE_API_HOST?: string = undefined;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a port number' })
  @Min(1, { message: 'must be a port number' })
  @Max(65535, { message: 'must be a port number' })
  STRIPE_API_PORT?: number = undefined;

  @IsOptional()
  @IsIn(['http', 'https'], { message: 'must be http or https' })
  STRIPE_API_PROTOCOL?: 'http' | 'https' = undefined;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  DEPOSIT_MIN_CENTS = 500;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  DEPOSIT_MAX_CENTS = 100000;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  ADD_FUNDS_RATE_LIMIT_PER_HOUR = 10;

  /** The smallest payout, in cents (below it a provider's fees eat the earnings). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  PAYOUT_MIN_CENTS = 1000;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (cents)' })
  @Min(1, { message: 'must be a positive integer (cents)' })
  @Max(2_000_000_000, { message: 'must be at most 2000000000 (cents)' })
  PAYOUT_MAX_CENTS = 1_000_000;

  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  PAYOUTS_PER_DAY = 5;

  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /**
   * `pretty` (pino-pretty, for people), `json` (one JSON object per line, for machines) or `auto`:
   * pretty when stdout is a terminal outside production, JSON otherwise.
   */
  @IsIn(['auto', 'pretty', 'json'], { message: 'must be auto, pretty or json' })
  LOG_FORMAT: 'auto' | 'pretty' | 'json' = 'auto';

  /** Folder of the built web app served at / (when it exists). */
  @IsString()
  WEB_DIST_DIR = 'dist/apps/web/browser';

  /** graphql-ws keep-alive: a ping every N ms; a socket that misses a pong is closed. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 100 and 600000 (ms)' })
  @Min(100, { message: 'must be an integer between 100 and 600000 (ms)' })
  @Max(600_000, { message: 'must be an integer between 100 and 600000 (ms)' })
  WS_KEEPALIVE_MS = 12_000;

  /** A socket that has not sent connection_init this long after opening is closed (4408). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 100 and 60000 (ms)' })
  @Min(100, { message: 'must be an integer between 100 and 60000 (ms)' })
  @Max(60_000, { message: 'must be an integer between 100 and 60000 (ms)' })
  WS_CONNECTION_INIT_TIMEOUT_MS = 5_000;

  /** Largest WebSocket message accepted; a bigger one closes the socket (1009). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1024 and 10485760' })
  @Min(1024, { message: 'must be an integer between 1024 and 10485760' })
  @Max(10_485_760, { message: 'must be an integer between 1024 and 10485760' })
  WS_MAX_MESSAGE_BYTES = 65_536;

  /** Most concurrent operations (subscriptions) on one socket; one more closes it (4429). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

  /** Most open WebSockets from one client IP; more are refused at the upgrade (HTTP 429). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  WS_MAX_CONNECTIONS_PER_IP = 50;

  /**
   * Open sockets are re-checked this often: one whose user was deleted or banned, or whose session
   * was revoked on another instance, is closed (4403). This instance's revocations close at once.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 3600 (seconds)' })
  @Min(1, { message: 'must be an integer between 1 and 3600 (seconds)' })
  @Max(3600, { message: 'must be an integer between 1 and 3600 (seconds)' })
  WS_AUTH_RECHECK_SECONDS = 30;

  /**
   * Bytes a WebSocket may have waiting to be sent (a client that stops reading); beyond it the
   * socket is closed (1013 Try Again Later) so memory stays bounded, and the client reconnects.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 65536 and 1073741824 (bytes)' })
  @Min(65_536, { message: 'must be an integer between 65536 and 1073741824 (bytes)' })
  @Max(1_073_741_824, { message: 'must be an integer between 65536 and 1073741824 (bytes)' })
  WS_MAX_BUFFERED_BYTES = 1_048_576;

  /** A LIVE stream whose broadcast console has been gone this long is ended (at the moment it left). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer (seconds)' })
  @Min(1, { message: 'must be a positive integer (seconds)' })
  STREAMER_GRACE_SECONDS = 120;

  /**
   * Each API instance records a heartbeat this often; an instance silent for 3 beats is dead and
   * its viewing sessions are closed (at its last heartbeat) by any other instance.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 20 (seconds)' })
  @Min(1, { message: 'must be an integer between 1 and 20 (seconds)' })
  @Max(20, { message: 'must be an integer between 1 and 20 (seconds)' })
  INSTANCE_HEARTBEAT_SECONDS = 15;

  /** Seed demo users and a live demo stream into an empty database (never in production). */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  SEED_DEMO = true;

  /** STUN servers handed to clients (iceServers query), comma separated `stun:` URLs. */
  @Transform(toList)
  @Matches(/^stuns?:\S+$/, { each: true, message: 'must be a comma-separated list of stun: URLs' })
  STUN_URLS: string[] = [];

  /** TURN servers (e.g. coturn with use-auth-secret), comma separated `turn:`/`turns:` URLs. */
  @Transform(toList)
  @Matches(/^turns?:\S+$/, { each: true, message: 'must be a comma-separated list of turn: URLs' })
  TURN_URLS: string[] = [];

  /** Shared secret for TURN REST credentials (coturn `static-auth-secret`). */
  @IsOptional()
  @MinLength(16, { message: 'must be at least 16 characters' })
  TURN_SECRET?: string = undefined;

  /** Lifetime of TURN credentials. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 60 and 86400 (seconds)' })
  @Min(60, { message: 'must be an integer between 60 and 86400 (seconds)' })
  @Max(86_400, { message: 'must be an integer between 60 and 86400 (seconds)' })
  TURN_TTL_SECONDS = 3600;

  /**
   * Media worker threads running the SFU. Default: one per core the process may use
   * (`os.availableParallelism()`), at most 8 (beyond that, add nodes: the main thread routing the
   * signaling and the event bus becomes the limit). A stream's publisher lives in one worker;
   * its viewers are spread over all of them, each worker relaying the stream in-process.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 64' })
  @Min(1, { message: 'must be an integer between 1 and 64' })
  @Max(64, { message: 'must be an integer between 1 and 64' })
  MEDIA_WORKERS = Math.min(availableParallelism(), 8);

  /** Extra ICE host addresses the SFU announces (its public IP behind NAT; 127.0.0.1 in tests). */
  @Transform(toList)
  @Matches(/^[0-9a-fA-F.:]+$/, {
    each: true,
    message: 'must be a comma-separated list of IP addresses',
  })
  MEDIA_HOST_ADDRESSES: string[] = [];

  /**
   * The UDP ports media sessions use, as `min-max` (one port per WebRTC session): publish this
   * range from a container or open it in a firewall. Unset: any free port the OS gives.
   */
  @IsOptional()
  @Matches(/^\d{4,5}-\d{4,5}$/, {
    message: 'must be a port range min-max within 1024-65535, such as 40000-40199',
  })
  MEDIA_UDP_PORT_RANGE?: string = undefined;

  /**
   * One UDP port per media worker for every session (worker i: MEDIA_UDP_PORT + i; sessions told
   * apart by their ICE ufrag and source address), instead of a port per session: a firewall, a
   * container or a Kubernetes Service opens MEDIA_WORKERS ports. Takes precedence over
   * MEDIA_UDP_PORT_RANGE for UDP (ICE-TCP listeners still use the range).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a port between 1024 and 65535' })
  @Min(1024, { message: 'must be a port between 1024 and 65535' })
  @Max(65_535, { message: 'must be a port between 1024 and 65535' })
  MEDIA_UDP_PORT?: number = undefined;

  /**
   * ICE over TCP (RFC 6544): each media session also listens on a TCP port, from
   * MEDIA_UDP_PORT_RANGE when it is set (the same numbers: publish the range for TCP too), and
   * offers it as a passive host candidate ranked below every UDP candidate. Browsers on networks
   * that block UDP (corporate firewalls, some proxies) then connect over TCP; everyone else still
   * uses UDP. Behind 1:1 NAT the TCP candidate carries the MEDIA_HOST_ADDRESSES address too.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  MEDIA_ICE_TCP = true;

  /**
   * Load shedding: a media worker whose event loop stays at least 90 % busy (it cannot send all
   * it is asked to on its core) takes the top simulcast layer off half of its viewers, then off
   * all, then the next layer the same way, and gives them back once it has room again (below
   * 60 % for 10 s; longer after a restore that overloaded it again). Viewers get a lower resolution instead of everyone's loss,
   * and the publisher's connection, answered on the same thread, is not starved. false: off.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  MEDIA_LOAD_SHEDDING = true;

  /**
   * The address other API instances reach this one's media relay at (with REDIS_URL: a stream's
   * viewers on another node are served from a copy relayed from its home node). Unset: the first
   * of MEDIA_HOST_ADDRESSES, else 127.0.0.1 (every instance on one machine). In Kubernetes, the
   * pod IP (`status.podIP`).
   */
  @IsOptional()
  @Matches(/^[0-9a-zA-Z.:-]+$/, { message: 'must be an IP address or host name' })
  MEDIA_NODE_ADDRESS?: string = undefined;

  /**
   * Low-latency HLS of live streams (`Stream.hlsUrl`): every layer of an H.264 publisher is
   * packaged as CMAF parts, for HTTP caches and CDNs (the browser console publishes H.264 while it
   * is on). false: WebRTC only.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  HLS_ENABLED = true;

  /** How far back viewers can rewind a live stream over HLS (minutes). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 360' })
  @Min(1, { message: 'must be an integer between 1 and 360' })
  @Max(360, { message: 'must be an integer between 1 and 360' })
  DVR_WINDOW_MINUTES = 30;

  /**
   * Where players fetch HLS from: a CDN in front of the API (its origin: any API instance), e.g.
   * `https://cdn.example.com`. Unset: the API itself (`/hls/...`, relative).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*[^\s/])?$/, {
    message: 'must be an http(s) URL without a trailing slash',
  })
  HLS_BASE_URL?: string = undefined;

  /** TCP port of the node-to-node media relay (0: any free port, advertised to the other nodes). */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 0 and 65535 (0: any free port)' })
  @Min(0, { message: 'must be an integer between 0 and 65535 (0: any free port)' })
  @Max(65535, { message: 'must be an integer between 0 and 65535 (0: any free port)' })
  MEDIA_RELAY_PORT = 0;

  /**
   * Secret that authenticates relays between nodes (HMAC of each relay's opening). Unset: derived
   * from the JWT secret, which instances behind one load balancer share anyway.
   */
  @IsOptional()
  @MinLength(16, { message: 'must be at least 16 characters' })
  MEDIA_RELAY_SECRET?: string = undefined;

  /**
   * Most viewing sessions this node serves (every stream together); beyond it new viewers are
   * served by another node from a relayed copy of the stream (RATE_LIMITED when every node is
   * full: the web player then plays HLS). Admission control: past what the node's cores forward,
   * every viewer of the node loses packets and the publisher's own connection starves (seen in
   * bench:video: the publisher lost at 250 viewers on two cores). Unset:
   * MEDIA_VIEWERS_PER_WORKER per media worker. 0: no limit. `npm run bench:video` tells what a
   * machine holds.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a non-negative integer (0: no limit)' })
  @Min(0, { message: 'must be a non-negative integer (0: no limit)' })
  MEDIA_NODE_MAX_VIEWERS?: number = undefined;

  /**
   * The viewers one media worker (one core) is trusted with when MEDIA_NODE_MAX_VIEWERS is unset:
   * 100, half of what one core forwarded without loss in bench:video at 720p (2.3 Mbit/s each),
   * leaving room for the publisher, the signaling and the main thread.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1 and 10000' })
  @Min(1, { message: 'must be an integer between 1 and 10000' })
  @Max(10_000, { message: 'must be an integer between 1 and 10000' })
  MEDIA_VIEWERS_PER_WORKER = 100;

  /** The viewing sessions this node admits (MEDIA_NODE_MAX_VIEWERS, or its default); 0: no limit. */
  get mediaNodeMaxViewers(): number {
    return this.MEDIA_NODE_MAX_VIEWERS ?? this.MEDIA_VIEWERS_PER_WORKER * this.MEDIA_WORKERS;
  }

  /** MEDIA_UDP_PORT_RANGE as numbers, or undefined. */
  get mediaUdpPortRange(): [number, number] | undefined {
    if (!this.MEDIA_UDP_PORT_RANGE) return undefined;
    const [min, max] = this.MEDIA_UDP_PORT_RANGE.split('-').map(Number);
    return [min, max];
  }

  /** New media sessions (playStream, publishStream, WHIP, WHEP) one client IP may open per minute. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MEDIA_SESSIONS_PER_IP_PER_MINUTE = 30;

  /** New media sessions one signed-in user (or stream key) may open per minute, whatever the IP. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MEDIA_SESSIONS_PER_USER_PER_MINUTE = 20;

  /** Most open media sessions of one client IP (a household or office behind one NAT: several viewers). */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MEDIA_MAX_SESSIONS_PER_IP = 20;

  /** Most open media sessions of one signed-in user. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MEDIA_MAX_SESSIONS_PER_USER = 10;

  /** Most open media sessions (viewers and publisher) of one stream on this instance. */
  @Transform(toInt)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MEDIA_MAX_SESSIONS_PER_STREAM = 2000;

  /**
   * A media session whose ICE + DTLS has not connected this long after the answer is closed and
   * its port freed (an abandoned offer). Connected sessions whose peer stops answering ICE consent
   * checks (RFC 7675, 30 s) are closed as well.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 1000 and 120000 (ms)' })
  @Min(1000, { message: 'must be an integer between 1000 and 120000 (ms)' })
  @Max(120_000, { message: 'must be an integer between 1000 and 120000 (ms)' })
  MEDIA_CONNECT_TIMEOUT_MS = 15_000;

  /**
   * Receive and send buffer of each media UDP socket, in bytes. The kernel's default (about
   * 208 KiB on Linux) overflows when a publisher's keyframe or bandwidth probe arrives while the
   * worker is busy: the kernel drops those packets, and the publisher's congestion controller
   * reads the loss as congestion and cuts its bitrate. Linux caps it at `net.core.rmem_max` /
   * `net.core.wmem_max`: raise those on media hosts (see the README).
   */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 65536 and 67108864 (bytes)' })
  @Min(65_536, { message: 'must be an integer between 65536 and 67108864 (bytes)' })
  @Max(67_108_864, { message: 'must be an integer between 65536 and 67108864 (bytes)' })
  MEDIA_UDP_BUFFER_BYTES = 4_194_304;

  /**
   * Accept ICE candidates (trickled or in an offer) on loopback addresses (127.0.0.0/8, ::1).
   * Unset: allowed outside production (a browser on the same machine), refused in production,
   * where they would let anyone make the SFU send UDP to the server's own services.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  MEDIA_ALLOW_LOOPBACK_CANDIDATES?: boolean = undefined;

  /**
   * Accept ICE candidates on private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7):
   * for LAN deployments where viewers and the SFU share a private network.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  MEDIA_ALLOW_PRIVATE_CANDIDATES = false;

  /** MEDIA_ALLOW_LOOPBACK_CANDIDATES, or its default (outside production only). */
  get allowLoopbackCandidates(): boolean {
    return this.MEDIA_ALLOW_LOOPBACK_CANDIDATES ?? !this.isProduction;
  }

  /** The built media worker script; defaults to media-worker.js beside the API bundle. */
  @IsOptional()
  @IsString()
  MEDIA_WORKER_SCRIPT?: string = undefined;

  /**
   * Media layer: `embedded` (the SFU in worker threads, the default) or `external` (a WHIP/WHEP
   * media service; the GraphQL signaling forwards offers to MEDIA_EXTERNAL_WHIP_URL/WHEP_URL).
   */
  @IsIn(MEDIA_BACKENDS, { message: 'must be embedded or external' })
  MEDIA_BACKEND: MediaBackendKind = 'embedded';

  /** External WHIP endpoint, `{streamId}` replaced by the stream's id (MEDIA_BACKEND=external). */
  @ValidateIf((config: AppConfig) => config.MEDIA_BACKEND === 'external')
  @Matches(/^https?:\/\/\S*\{streamId\}\S*$/, {
    message: 'must be an http(s) URL containing {streamId} (required when MEDIA_BACKEND=external)',
  })
  MEDIA_EXTERNAL_WHIP_URL?: string = undefined;

  /** External WHEP endpoint, `{streamId}` replaced by the stream's id (MEDIA_BACKEND=external). */
  @ValidateIf((config: AppConfig) => config.MEDIA_BACKEND === 'external')
  @Matches(/^https?:\/\/\S*\{streamId\}\S*$/, {
    message: 'must be an http(s) URL containing {streamId} (required when MEDIA_BACKEND=external)',
  })
  MEDIA_EXTERNAL_WHEP_URL?: string = undefined;

  /** Bearer token sent to the external WHIP/WHEP service. */
  @IsOptional()
  @IsString()
  MEDIA_EXTERNAL_TOKEN?: string = undefined;

  /**
   * The folder the SFU records into (live files, and finished recordings with `local` storage).
   * Default DATA_DIR/recordings. With several instances, one shared volume here keeps a stream's
   * recording whole when it moves to another node (the new home continues the live file the dead
   * one left) and lets any instance serve every local replay.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  RECORDING_DIR?: string = undefined;

  /** RECORDING_DIR, or its default. */
  get recordingDirectory(): string {
    return this.RECORDING_DIR ? resolve(this.RECORDING_DIR) : join(this.DATA_DIR, 'recordings');
  }

  /** Where finished recordings are kept: `local` (RECORDING_DIR) or `s3`. */
  @IsIn(RECORDING_STORAGES, { message: 'must be local or s3' })
  RECORDING_STORAGE: RecordingStorageKind = 'local';

  /** S3-compatible endpoint (MinIO, R2, ...); unset: AWS S3 of S3_REGION. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  S3_ENDPOINT?: string = undefined;

  @IsString()
  S3_REGION = 'us-east-1';

  /** Bucket of recordings (required when RECORDING_STORAGE=s3). */
  @ValidateIf((config: AppConfig) => config.RECORDING_STORAGE === 's3')
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (required when RECORDING_STORAGE=s3)',
  })
  S3_BUCKET?: string = undefined;

  /** Key prefix of recordings in the bucket. */
  @Matches(/^[\w./-]*$/, { message: 'must be a key prefix (letters, digits, . _ / -)' })
  S3_PREFIX = 'recordings/';

  /** Static credentials; unset: the AWS default chain (environment, profile, instance role). */
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string = undefined;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string = undefined;

  /** Path-style addressing (http://host/bucket/key), needed by MinIO and most S3-compatibles. */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  S3_FORCE_PATH_STYLE = true;

  /** Lifetime of the presigned replay URLs the API redirects to. */
  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 60 and 604800 (seconds)' })
  @Min(60, { message: 'must be an integer between 60 and 604800 (seconds)' })
  @Max(604_800, { message: 'must be an integer between 60 and 604800 (seconds)' })
  S3_URL_TTL_SECONDS = 3600;

  /** Resolved at load time: the secret actually used (from JWT_SECRET or the data dir). */
  jwtSecret = '';

  /** TRUST_PROXY, compiled: whether a hop's address is a trusted proxy. */
  get trustProxy(): TrustFn {
    return (this.compiledTrust ??= compileTrust(this.TRUST_PROXY));
  }

  private compiledTrust?: TrustFn;

  /**
   * PAYMENTS_PROVIDER, or its default: sandbox outside production; in production stripe when
   * STRIPE_SECRET_KEY is set, else none (adding funds is refused as unavailable).
   */
  get paymentsProvider(): PaymentsProviderKind | 'none' {
    if (this.PAYMENTS_PROVIDER) return this.PAYMENTS_PROVIDER;
    if (!this.isProduction) return 'sandbox';
    return this.STRIPE_SECRET_KEY ? 'stripe' : 'none';
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** JWT_TTL in seconds. */
  get jwtTtlSeconds(): number {
    return parseDurationSeconds(this.JWT_TTL);
  }

  /** REFRESH_TOKEN_TTL in seconds. */
  get refreshTokenTtlSeconds(): number {
    return parseDurationSeconds(this.REFRESH_TOKEN_TTL);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
}

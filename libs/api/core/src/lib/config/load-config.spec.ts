import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig } from './load-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'finserve-config-'));

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      PORT: 3000,
      PLATFORM_FEE_BPS: 500,
      API_RATE_LIMIT_PER_MINUTE: 100,
      CHAT_RATE_LIMIT_PER_SECOND: 3,
      TIP_RATE_LIMIT_PER_MINUTE: 10,
      TIP_MIN_CENTS: 100,
      TIP_MAX_CENTS: 100000,
      CURRENCIES: ['USD'],
      DB_MIGRATE_ON_START: true,
      DATABASE_URL: undefined,
    });
    expect(config.jwtTtlSeconds).toBe(900);
    expect(config.refreshTokenTtlSeconds).toBe(30 * 86400);
  });

  it('admits 100 viewers per media worker by default (MEDIA_NODE_MAX_VIEWERS), 0 for no limit', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), MEDIA_WORKERS: '3' }).mediaNodeMaxViewers).toBe(300);
    expect(
      loadConfig({ DATA_DIR: dataDir(), MEDIA_WORKERS: '2', MEDIA_VIEWERS_PER_WORKER: '150' })
        .mediaNodeMaxViewers,
    ).toBe(300);
    expect(
      loadConfig({ DATA_DIR: dataDir(), MEDIA_WORKERS: '2', MEDIA_NODE_MAX_VIEWERS: '0' })
        .mediaNodeMaxViewers,
    ).toBe(0);
    expect(
      loadConfig({ DATA_DIR: dataDir(), MEDIA_NODE_MAX_VIEWERS: '25' }).mediaNodeMaxViewers,
    ).toBe(25);
    expect(loadConfig({ DATA_DIR: dataDir() }).MEDIA_ICE_TCP).toBe(true);
    expect(() => loadConfig({ DATA_DIR: dataDir(), MEDIA_NODE_MAX_VIEWERS: '-1' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), MEDIA_VIEWERS_PER_WORKER: '0' })).toThrow(
      ConfigError,
    );
  });

  it('parses integers, booleans, lists and durations from strings', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      PORT: '8080',
      DB_MIGRATE_ON_START: 'false',
      CURRENCIES: 'USD, EUR,GBP',
      JWT_TTL: '15m',
      DATABASE_URL: 'postgres://u@h:5432/db',
    });
    expect(config.PORT).toBe(8080);
    expect(config.DB_MIGRATE_ON_START).toBe(false);
    expect(config.CURRENCIES).toEqual(['USD', 'EUR', 'GBP']);
    expect(config.jwtTtlSeconds).toBe(900);
    expect(config.DATABASE_URL).toBe('postgres://u@h:5432/db');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PLATFORM_FEE_BPS', '10001'],
    ['PLATFORM_FEE_BPS', '5.5'],
    ['CHAT_RATE_LIMIT_PER_SECOND', '0'],
    ['TIP_MIN_CENTS', '-1'],
    ['CURRENCIES', 'usd'],
    ['CURRENCIES', 'USD,EURO'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['JWT_TTL', 'forever'],
    ['DB_MIGRATE_ON_START', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ DATA_DIR: dataDir(), [name]: value });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
      expect(message).not.toContain('\n');
    }
  });

  it.each([
    [{ MEDIA_BACKEND: 'external' }, 'MEDIA_EXTERNAL_WHIP_URL'],
    [
      { MEDIA_BACKEND: 'external', MEDIA_EXTERNAL_WHIP_URL: 'http://sfu/whip/{streamId}' },
      'MEDIA_EXTERNAL_WHEP_URL',
    ],
    [
      {
        MEDIA_BACKEND: 'external',
        MEDIA_EXTERNAL_WHIP_URL: 'http://sfu/whip',
        MEDIA_EXTERNAL_WHEP_URL: 'http://sfu/whep/{streamId}',
      },
      'MEDIA_EXTERNAL_WHIP_URL',
    ],
    [{ RECORDING_STORAGE: 's3' }, 'S3_BUCKET'],
    [{ RECORDING_STORAGE: 'gcs' }, 'RECORDING_STORAGE'],
  ])('refuses an incomplete media or recording setup %j naming %s', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(
      new RegExp(`^Invalid configuration: ${name} `),
    );
  });

  it('accepts an external media service and S3 recordings, and bounds the presigned URL lifetime', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      MEDIA_BACKEND: 'external',
      MEDIA_EXTERNAL_WHIP_URL: 'https://sfu.example/{streamId}/whip',
      MEDIA_EXTERNAL_WHEP_URL: 'https://sfu.example/{streamId}/whep',
      RECORDING_STORAGE: 's3',
      S3_BUCKET: 'replays',
      S3_FORCE_PATH_STYLE: 'false',
    });
    expect(config).toMatchObject({ MEDIA_BACKEND: 'external', S3_FORCE_PATH_STYLE: false });
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), S3_SECRET_ACCESS_KEY: 'x', S3_URL_TTL_SECONDS: '5' }),
    ).toThrow(/^Invalid configuration: S3_URL_TTL_SECONDS .*\(got 5\)$/);
  });

  it('refuses TIP_MIN_CENTS above TIP_MAX_CENTS', () => {
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), TIP_MIN_CENTS: '500', TIP_MAX_CENTS: '100' }),
    ).toThrow(/TIP_MIN_CENTS must not exceed TIP_MAX_CENTS/);
  });

  it('uses the sandbox payment provider outside production, and refuses it in production unless allowed', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).paymentsProvider).toBe('sandbox');
    const production = { NODE_ENV: 'production', DATA_DIR: dataDir(), JWT_SECRET: 's'.repeat(32) };
    // Nothing configured: no provider (adding funds is refused), the server starts.
    expect(loadConfig(production).paymentsProvider).toBe('none');
    expect(() => loadConfig({ ...production, PAYMENTS_PROVIDER: 'sandbox' })).toThrow(
      /PAYMENTS_PROVIDER=sandbox credits wallets without payment/,
    );
    expect(
      loadConfig({
        ...production,
        PAYMENTS_PROVIDER: 'sandbox',
        PAYMENTS_SANDBOX_IN_PRODUCTION: 'true',
      }).paymentsProvider,
    ).toBe('sandbox');
    expect(() => loadConfig({ ...production, PAYMENTS_PROVIDER: 'stripe' })).toThrow(
      /needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET/,
    );
    expect(
      loadConfig({
        ...production,
        STRIPE_SECRET_KEY: 'sk_live_x',
        STRIPE_WEBHOOK_SECRET: 'whsec_x',
      }).paymentsProvider,
    ).toBe('stripe');
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), DEPOSIT_MIN_CENTS: '900', DEPOSIT_MAX_CENTS: '800' }),
    ).toThrow(/DEPOSIT_MIN_CENTS must not exceed DEPOSIT_MAX_CENTS/);
  });

  it('validates the webhook settings: private addresses never in production, a secret key never echoed', () => {
    const production = { NODE_ENV: 'production', DATA_DIR: dataDir(), JWT_SECRET: 's'.repeat(32) };
    expect(
      loadConfig({ DATA_DIR: dataDir(), WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE,
    ).toBe(true);
    expect(() => loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(
      'WEBHOOK_ALLOW_PRIVATE must not be set in production',
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(
      'WEBHOOK_ALLOW_PRIVATE must be true or false',
    );
    let message = '';
    try {
      loadConfig({ DATA_DIR: dataDir(), WEBHOOK_SECRET_KEY: 'short-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('WEBHOOK_SECRET_KEY must be at least 32 characters');
    expect(message).not.toContain('short-secret');
    expect(() => loadConfig({ DATA_DIR: dataDir(), WEBHOOK_RETRY_BASE_SECONDS: '0' })).toThrow(
      'WEBHOOK_RETRY_BASE_SECONDS must be an integer between 1 and 3600',
    );
  });

  it('requires a JWT_SECRET of at least 32 characters in production, without echoing it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(
      /^Invalid configuration: JWT_SECRET is required in production/,
    );
    let message = '';
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir(), JWT_SECRET: 'short-secret-value' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: JWT_SECRET must be at least 32 characters/);
    expect(message).not.toContain('short-secret-value');
    const secret = 's'.repeat(32);
    expect(
      loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir(), JWT_SECRET: secret }).jwtSecret,
    ).toBe(secret);
  });

  it('generates a development secret once per data dir and keeps it (mode 0600)', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    const second = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(second).toBe(first);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir() }).jwtSecret).not.toBe(first);
  });
});

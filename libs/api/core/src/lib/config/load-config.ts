import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

import { AppConfig } from './app-config';

export const JWT_SECRET_MIN_LENGTH = 32;

/** Thrown for an invalid environment; its message is the one line printed before exiting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SECRET_KEYS = new Set([
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'DATABASE_URL',
  'REDIS_URL',
  'TURN_SECRET',
  'MEDIA_EXTERNAL_TOKEN',
  'MEDIA_RELAY_SECRET',
  'WEBHOOK_SECRET_KEY',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
]);

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {});
  const reason = reasons[0] ?? 'is invalid';
  const shown = SECRET_KEYS.has(error.property) ? '' : ` (got ${JSON.stringify(error.value)})`;
  // class-validator's default messages start with the property name; ours do not.
  const text = reason.startsWith(error.property) ? reason : `${error.property} ${reason}`;
  return `${text}${shown}`;
}

/**
 * Reads and validates the environment into an AppConfig. Only variables that AppConfig declares
 * are read; empty strings count as unset. Throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defaults = new AppConfig();
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    if (value !== undefined && value !== '' && key !== 'jwtSecret') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(`Invalid configuration: ${errors.map(describe).join('; ')}`);
  }
  if (config.TIP_MIN_CENTS > config.TIP_MAX_CENTS) {
    throw new ConfigError(
      `Invalid configuration: TIP_MIN_CENTS must not exceed TIP_MAX_CENTS (got ${config.TIP_MIN_CENTS} > ${config.TIP_MAX_CENTS})`,
    );
  }
  if (config.DEPOSIT_MIN_CENTS > config.DEPOSIT_MAX_CENTS) {
    throw new ConfigError(
      `Invalid configuration: DEPOSIT_MIN_CENTS must not exceed DEPOSIT_MAX_CENTS (got ${config.DEPOSIT_MIN_CENTS} > ${config.DEPOSIT_MAX_CENTS})`,
    );
  }
  if (config.PAYOUT_MIN_CENTS > config.PAYOUT_MAX_CENTS) {
    throw new ConfigError(
      `Invalid configuration: PAYOUT_MIN_CENTS must not exceed PAYOUT_MAX_CENTS (got ${config.PAYOUT_MIN_CENTS} > ${config.PAYOUT_MAX_CENTS})`,
    );
  }
  if (config.ADMIN_USERNAME && !config.ADMIN_PASSWORD && config.isProduction) {
    throw new ConfigError(
      'Invalid configuration: ADMIN_PASSWORD is required when ADMIN_USERNAME is set',
    );
  }
  const ports = config.mediaUdpPortRange;
  if (ports && (ports[0] < 1024 || ports[1] > 65535 || ports[0] > ports[1])) {
    throw new ConfigError(
      `Invalid configuration: MEDIA_UDP_PORT_RANGE must be a port range min-max within 1024-65535, min <= max (got "${config.MEDIA_UDP_PORT_RANGE}")`,
    );
  }
  if ((config.VAPID_PUBLIC_KEY === undefined) !== (config.VAPID_PRIVATE_KEY === undefined)) {
    throw new ConfigError(
      'Invalid configuration: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together (set both or neither)',
    );
  }
  if (config.isProduction && config.WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS) {
    throw new ConfigError(
      'Invalid configuration: WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS must not be set in production',
    );
  }
  if (config.isProduction && config.WEBHOOK_ALLOW_PRIVATE) {
    throw new ConfigError(
      'Invalid configuration: WEBHOOK_ALLOW_PRIVATE must not be set in production',
    );
  }
  config.DATA_DIR = resolve(config.DATA_DIR);
  config.jwtSecret = resolveJwtSecret(config);
  if (
    config.isProduction &&
    config.paymentsProvider === 'sandbox' &&
    !config.PAYMENTS_SANDBOX_IN_PRODUCTION
  ) {
    throw new ConfigError(
      'Invalid configuration: PAYMENTS_PROVIDER=sandbox credits wallets without payment; in production set PAYMENTS_PROVIDER=stripe (or PAYMENTS_SANDBOX_IN_PRODUCTION=true to allow it)',
    );
  }
  if (
    config.paymentsProvider === 'stripe' &&
    (!config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET)
  ) {
    throw new ConfigError(
      'Invalid configuration: PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
    );
  }
  return config;
}

/**
 * Production needs an explicit JWT_SECRET of at least 32 characters. Elsewhere a missing secret is
 * generated once and kept in DATA_DIR/jwt-secret (mode 0600), so tokens survive restarts.
 */
function resolveJwtSecret(config: AppConfig): string {
  if (config.JWT_SECRET !== undefined) {
    if (config.JWT_SECRET.length < JWT_SECRET_MIN_LENGTH) {
      throw new ConfigError(
        `Invalid configuration: JWT_SECRET must be at least ${JWT_SECRET_MIN_LENGTH} characters`,
      );
    }
    return config.JWT_SECRET;
  }
  if (config.isProduction) {
    throw new ConfigError(
      `Invalid configuration: JWT_SECRET is required in production (at least ${JWT_SECRET_MIN_LENGTH} characters)`,
    );
  }
  return readOrCreateSecret(join(config.DATA_DIR, 'jwt-secret'));
}

export function readOrCreateSecret(file: string): string {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= JWT_SECRET_MIN_LENGTH) return existing;
  }
  mkdirSync(resolve(file, '..'), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

import { join } from 'node:path';

import { Inject, Injectable, Logger } from '@nestjs/common';

import {
  AppConfig,
  perMinute,
  RATE_LIMITER,
  RateLimitedError,
  readOrCreateSecret,
  UnauthenticatedError,
  type RateLimiter,
} from '@finserve/api/core';
import { normalizeUsername, Role } from '@finserve/shared';

import type { LoginInput, RegisterInput } from './dto/auth.input';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';
import type { UserEntity } from './user.entity';
import { UsersService } from './users.service';

export interface AuthResult {
  accessToken: string;
  user: UserEntity;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  /**
   * Brute-force guard of login and register, before any password work: one bucket per client IP
   * (AUTH_RATE_LIMIT_PER_IP_PER_MINUTE) and one per username whatever the IP
   * (AUTH_RATE_LIMIT_PER_USERNAME_PER_HOUR). Either empty: RATE_LIMITED.
   */
  async checkAttemptLimits(ip: string, username: string): Promise<void> {
    const perHour = this.config.AUTH_RATE_LIMIT_PER_USERNAME_PER_HOUR;
    const decisions = await Promise.all([
      this.limiter.consume(
        `auth:ip:${ip}`,
        perMinute(this.config.AUTH_RATE_LIMIT_PER_IP_PER_MINUTE),
      ),
      this.limiter.consume(`auth:username:${normalizeUsername(username).slice(0, 64)}`, {
        capacity: perHour,
        refillPerSecond: perHour / 3600,
      }),
    ]);
    const refused = decisions.filter((decision) => !decision.allowed);
    if (refused.length) {
      const wait = Math.max(...refused.map((decision) => decision.retryAfterSeconds));
      throw new RateLimitedError(wait, `Too many sign-in attempts; retry in ${wait} s`);
    }
  }

  async register(input: RegisterInput, ip: string): Promise<AuthResult> {
    await this.checkAttemptLimits(ip, input.username);
    const user = await this.users.create({
      username: input.username,
      displayName: input.displayName || input.username,
      passwordHash: await this.passwords.hash(input.password),
    });
    return { accessToken: await this.tokens.issueAccessToken(user), user };
  }

  /** One answer for an unknown user and a wrong password, in the same time. */
  async login(input: LoginInput, ip: string): Promise<AuthResult> {
    await this.checkAttemptLimits(ip, input.username);
    const user = await this.users.findByUsernameWithPassword(input.username);
    const ok = await this.passwords.verify(user?.passwordHash, input.password);
    if (!user || !ok) throw new UnauthenticatedError('Wrong username or password');
    return { accessToken: await this.tokens.issueAccessToken(user), user };
  }

  /**
   * Ensures the admin account: ADMIN_USERNAME/ADMIN_PASSWORD when set; outside production an
   * `admin` user with a generated password kept in DATA_DIR/admin-password. The role is (re)set to
   * ADMIN and the password to the configured one.
   */
  async ensureAdmin(): Promise<void> {
    const { ADMIN_USERNAME, ADMIN_PASSWORD, isProduction, DATA_DIR } = this.config;
    if (!ADMIN_USERNAME && isProduction) return;
    const username = ADMIN_USERNAME ?? 'admin';
    const passwordFile = join(DATA_DIR, 'admin-password');
    const password = ADMIN_PASSWORD ?? readOrCreateSecret(passwordFile);
    const passwordHash = await this.passwords.hash(password);
    const existing = await this.users.findByUsernameWithPassword(username);
    if (!existing) {
      await this.users
        .create({ username, displayName: 'Administrator', passwordHash, role: Role.ADMIN })
        .catch(async (error: unknown) => {
          // Another instance created it at the same moment: fall through to the update.
          const raced = await this.users.findByUsernameWithPassword(username);
          if (!raced) throw error;
          await this.users.update(raced.id, { role: Role.ADMIN, passwordHash });
        });
    } else if (
      existing.role !== Role.ADMIN ||
      !(await this.passwords.verify(existing.passwordHash, password))
    ) {
      await this.users.update(existing.id, { role: Role.ADMIN, passwordHash });
    }
    this.logger.log(
      ADMIN_PASSWORD
        ? `admin account "${username}" ensured`
        : `admin account "${username}" ensured; its password is in ${passwordFile}`,
    );
  }
}

import { join } from 'node:path';

import { Inject, Injectable, Logger } from '@nestjs/common';

import {
  AppConfig,
  ForbiddenError,
  NotFoundError,
  perMinute,
  RATE_LIMITER,
  RateLimitedError,
  readOrCreateSecret,
  UnauthenticatedError,
  type AuthUser,
  type RateLimiter,
} from '@finserve/api/core';
import { normalizeUsername, Role } from '@finserve/shared';

import type { LoginInput, RegisterInput } from './dto/auth.input';
import { PasswordService } from './password.service';
import { SessionsService } from './sessions.service';
import { UserBans } from './user-bans';
import type { UserEntity } from './user.entity';
import { UsersService } from './users.service';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  user: UserEntity;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    private readonly bans: UserBans,
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
    return { ...(await this.sessions.start(user)), user };
  }

  /** One answer for an unknown user and a wrong password, in the same time. */
  async login(input: LoginInput, ip: string): Promise<AuthResult> {
    await this.checkAttemptLimits(ip, input.username);
    const user = await this.users.findByUsernameWithPassword(input.username);
    const ok = await this.passwords.verify(user?.passwordHash, input.password);
    if (!user || !ok) throw new UnauthenticatedError('Wrong username or password');
    // Told only to whoever knows the password.
    if (user.bannedAt) throw new ForbiddenError('This account is banned');
    return { ...(await this.sessions.start(user)), user };
  }

  /** Rotates a refresh token (see SessionsService.refresh). */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const issued = await this.sessions.refresh(refreshToken);
    const user = await this.users.findById(issued.userId);
    if (!user) throw new UnauthenticatedError('Invalid or expired refresh token');
    return { accessToken: issued.accessToken, refreshToken: issued.refreshToken, user };
  }

  /** Ends the caller's session, or all of the user's sessions. */
  async logout(user: AuthUser, everywhere: boolean): Promise<void> {
    if (everywhere || !user.sessionId) await this.sessions.revokeAll(user.id, 'LOGOUT');
    else await this.sessions.revoke(user.id, user.sessionId, 'LOGOUT');
  }

  /**
   * Platform-wide ban: every session revoked (tokens refused at once, sockets closed), sign-in
   * refused, until unbanned; what the user still has going (LIVE stream, media sessions, stream
   * key) is ended by the UserBans listeners. Admins cannot be banned (demote first, outside the API).
   */
  async ban(userId: string, reason: string | null): Promise<UserEntity> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User');
    if (user.role === Role.ADMIN) throw new ForbiddenError('Admins cannot be banned');
    await this.users.update(userId, { bannedAt: new Date(), banReason: reason });
    await this.sessions.revokeAll(userId, 'BANNED');
    this.logger.log(`user ${userId} banned`);
    await this.bans.banned(userId);
    return user;
  }

  async unban(userId: string): Promise<UserEntity> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User');
    await this.users.update(userId, { bannedAt: null, banReason: null });
    return user;
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

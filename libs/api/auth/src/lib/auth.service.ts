import { join } from 'node:path';

import { Injectable, Logger } from '@nestjs/common';

import { AppConfig, readOrCreateSecret, UnauthenticatedError } from '@finserve/api/core';
import { Role } from '@finserve/shared';

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
  ) {}

  async register(input: RegisterInput): Promise<AuthResult> {
    const user = await this.users.create({
      username: input.username,
      displayName: input.displayName || input.username,
      passwordHash: await this.passwords.hash(input.password),
    });
    return { accessToken: await this.tokens.issueAccessToken(user), user };
  }

  /** One answer for an unknown user and a wrong password, in the same time. */
  async login(input: LoginInput): Promise<AuthResult> {
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

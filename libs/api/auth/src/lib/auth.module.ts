import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '@finserve/api/core';

import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { JwtStrategy } from './jwt.strategy';
import { PasswordService } from './password.service';
import { PersonalAccessTokensRepository } from './pat/personal-access-tokens.repository';
import { PersonalAccessTokensResolver } from './pat/personal-access-tokens.resolver';
import { PersonalAccessTokensService } from './pat/personal-access-tokens.service';
import { ScopedTokens } from './scopes/scoped-tokens';
import { ScopesGuard } from './scopes/scopes.guard';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { UserBans } from './user-bans';
import { UserEntity } from './user.entity';
import { UserLoader } from './user.loader';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity]),
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  providers: [
    AuthService,
    AuthResolver,
    JwtStrategy,
    PasswordService,
    SessionsRepository,
    SessionsService,
    TokenService,
    UsersRepository,
    UsersService,
    UserLoader,
    UserBans,
    ScopedTokens,
    PersonalAccessTokensRepository,
    PersonalAccessTokensService,
    PersonalAccessTokensResolver,
    // Secure by default: authentication first, then a scoped token's scopes (so a token on an
    // admin operation learns it needs a session), then roles, on every handler of the app.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: ScopesGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenService, UsersService, UserLoader, UserBans, ScopedTokens],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(private readonly auth: AuthService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.auth.ensureAdmin();
  }
}

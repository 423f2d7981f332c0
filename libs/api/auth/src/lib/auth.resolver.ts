import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';

import {
  ClientIp,
  CurrentUser,
  NotFoundError,
  Public,
  RequireScope,
  Roles,
  SessionOnly,
  UuidPipe,
  type AuthUser,
} from '@finserve/api/core';
import { Role } from '@finserve/shared';

import { AuthService } from './auth.service';
import {
  BanUserArgs,
  LoginInput,
  RefreshTokenArg,
  RegisterInput,
  UpdateProfileInput,
  UsernameArg,
} from './dto/auth.input';
import { AuthPayloadModel, UserModel } from './user.model';
import { UsersService } from './users.service';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Mutation(() => AuthPayloadModel)
  register(
    @Args('input', { type: () => RegisterInput }) input: RegisterInput,
    @ClientIp() ip: string,
  ): Promise<AuthPayloadModel> {
    return this.auth.register(input, ip);
  }

  @Public()
  @Mutation(() => AuthPayloadModel)
  login(
    @Args('input', { type: () => LoginInput }) input: LoginInput,
    @ClientIp() ip: string,
  ): Promise<AuthPayloadModel> {
    return this.auth.login(input, ip);
  }

  @Public()
  @Mutation(() => AuthPayloadModel, {
    description:
      'A new access token and a new refresh token for a refresh token, which is used up. Reusing a used refresh token revokes its session (UNAUTHENTICATED).',
  })
  refreshToken(@Args() { refreshToken }: RefreshTokenArg): Promise<AuthPayloadModel> {
    return this.auth.refresh(refreshToken);
  }

  @SessionOnly()
  @Mutation(() => Boolean, {
    description:
      "Ends the caller's session (or, with everywhere, all of the user's sessions): its refresh token and access tokens stop working and its sockets are closed.",
  })
  async logout(
    @CurrentUser() user: AuthUser,
    @Args('everywhere', { type: () => Boolean, defaultValue: false }) everywhere: boolean,
  ): Promise<boolean> {
    await this.auth.logout(user, everywhere);
    return true;
  }

  @Roles(Role.ADMIN)
  @SessionOnly()
  @Mutation(() => UserModel, {
    description:
      "Admins only: bans a user platform-wide: sign-in refused, the user's tokens refused and sockets closed, until unbanUser.",
  })
  banUser(@Args() { userId, reason }: BanUserArgs): Promise<UserModel> {
    return this.auth.ban(userId.toLowerCase(), reason ?? null);
  }

  @Roles(Role.ADMIN)
  @SessionOnly()
  @Mutation(() => UserModel, { description: 'Admins only: lifts a platform-wide ban.' })
  unbanUser(@Args('userId', { type: () => ID }, UuidPipe) userId: string): Promise<UserModel> {
    return this.auth.unban(userId);
  }

  @Public()
  @RequireScope('profile:read')
  @Query(() => UserModel, {
    nullable: true,
    description: 'The signed-in user; null when anonymous.',
  })
  async me(@CurrentUser() user: AuthUser | null): Promise<UserModel | null> {
    return user ? this.users.findById(user.id) : null;
  }

  @Public()
  @Query(() => UserModel, {
    nullable: true,
    description: 'A channel by username, case-insensitive.',
  })
  user(@Args() { username }: UsernameArg): Promise<UserModel | null> {
    return this.users.findByUsername(username);
  }

  @SessionOnly()
  @Mutation(() => UserModel, {
    description:
      "Changes the signed-in user's display name and/or bio (only the fields given; an empty bio removes it).",
  })
  async updateProfile(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => UpdateProfileInput }) input: UpdateProfileInput,
  ): Promise<UserModel> {
    const changes: { displayName?: string; bio?: string | null } = {};
    if (input.displayName !== undefined) changes.displayName = input.displayName;
    if (input.bio !== undefined) changes.bio = input.bio || null;
    if (Object.keys(changes).length) await this.users.update(user.id, changes);
    const updated = await this.users.findById(user.id);
    if (!updated) throw new NotFoundError('User');
    return updated;
  }
}

import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';

import { ClientIp, CurrentUser, NotFoundError, Public, type AuthUser } from '@finserve/api/core';

import { AuthService } from './auth.service';
import { LoginInput, RegisterInput, UpdateProfileInput } from './dto/auth.input';
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
  @Query(() => UserModel, {
    nullable: true,
    description: 'The signed-in user; null when anonymous.',
  })
  async me(@CurrentUser() user: AuthUser | null): Promise<UserModel | null> {
    return user ? this.users.findById(user.id) : null;
  }

  @Mutation(() => UserModel, { description: "Changes the signed-in user's display name." })
  async updateProfile(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => UpdateProfileInput }) input: UpdateProfileInput,
  ): Promise<UserModel> {
    await this.users.update(user.id, { displayName: input.displayName });
    const updated = await this.users.findById(user.id);
    if (!updated) throw new NotFoundError('User');
    return updated;
  }
}

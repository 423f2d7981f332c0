import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentUser, SessionOnly, type AuthUser } from '@finserve/api/core';

import { CreatePersonalAccessTokenInput } from './personal-access-token.input';
import {
  PersonalAccessTokenCreatedModel,
  PersonalAccessTokenModel,
} from './personal-access-token.model';
import { PersonalAccessTokensService } from './personal-access-tokens.service';

/** Token management is for the user's own session: a token never mints or lists tokens. */
@SessionOnly()
@Resolver()
export class PersonalAccessTokensResolver {
  constructor(private readonly tokens: PersonalAccessTokensService) {}

  @Query(() => [PersonalAccessTokenModel])
  myPersonalAccessTokens(@CurrentUser() user: AuthUser): Promise<PersonalAccessTokenModel[]> {
    return this.tokens.list(user.id);
  }

  @Mutation(() => PersonalAccessTokenCreatedModel)
  createPersonalAccessToken(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreatePersonalAccessTokenInput })
    input: CreatePersonalAccessTokenInput,
  ): Promise<PersonalAccessTokenCreatedModel> {
    return this.tokens.create(user.id, input);
  }

  @Mutation(() => Boolean)
  async revokePersonalAccessToken(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.tokens.revoke(user.id, id);
    return true;
  }
}

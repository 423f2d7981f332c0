import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentUser, SessionOnly, type AuthUser } from '@finserve/api/core';

import { CreateOAuthAppInput } from './dto/create-oauth-app.input';
import { OAuthAppCreatedModel, OAuthAppModel } from './oauth-app.model';
import { OAuthAppsService } from './oauth-apps.service';

/** App management is for the user's own session: a token never creates, lists or deletes apps. */
@SessionOnly()
@Resolver()
export class OAuthAppsResolver {
  constructor(private readonly apps: OAuthAppsService) {}

  @Query(() => [OAuthAppModel])
  myOAuthApps(@CurrentUser() user: AuthUser): Promise<OAuthAppModel[]> {
    return this.apps.list(user.id);
  }

  @Mutation(() => OAuthAppCreatedModel)
  createOAuthApp(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreateOAuthAppInput }) input: CreateOAuthAppInput,
  ): Promise<OAuthAppCreatedModel> {
    return this.apps.create(user.id, input);
  }

  @Mutation(() => Boolean)
  async deleteOAuthApp(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.apps.delete(user.id, id);
    return true;
  }
}

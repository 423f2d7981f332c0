import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('OAuthApp')
export class OAuthAppModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The OAuth client_id.' })
  clientId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  redirectUris!: string[];

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType('OAuthAppCreated')
export class OAuthAppCreatedModel {
  @Field(() => OAuthAppModel)
  app!: OAuthAppModel;

  @Field(() => String, { description: 'Shown once; only a hash is kept.' })
  clientSecret!: string;
}

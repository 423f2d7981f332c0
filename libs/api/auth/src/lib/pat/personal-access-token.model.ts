import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('PersonalAccessToken')
export class PersonalAccessTokenModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt!: Date | null;
}

@ObjectType('PersonalAccessTokenCreated')
export class PersonalAccessTokenCreatedModel {
  @Field(() => PersonalAccessTokenModel)
  token!: PersonalAccessTokenModel;

  @Field(() => String, { description: 'The bearer token; shown once.' })
  secret!: string;
}

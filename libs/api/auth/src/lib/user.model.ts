import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('User')
export class UserModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  username!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { nullable: true, description: '0..300 chars, plain text.' })
  bio?: string | null;
}

@ObjectType('AuthPayload')
export class AuthPayloadModel {
  @Field(() => String, {
    description: 'Short-lived (JWT_TTL, 15 min by default): renew it with refreshToken.',
  })
  accessToken!: string;

  @Field(() => String, {
    description:
      'Single use: refreshToken(refreshToken) returns a new pair. Presenting a used one again revokes the session.',
  })
  refreshToken!: string;

  @Field(() => UserModel)
  user!: UserModel;
}

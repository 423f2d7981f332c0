import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('User')
export class UserModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  username!: string;

  @Field(() => String)
  displayName!: string;
}

@ObjectType('AuthPayload')
export class AuthPayloadModel {
  @Field(() => String)
  accessToken!: string;

  @Field(() => UserModel)
  user!: UserModel;
}

import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('IceServer', { description: 'An RTCIceServer for RTCPeerConnection({ iceServers }).' })
export class IceServerModel {
  @Field(() => [String])
  urls!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'TURN REST username: <expiry unix seconds>:<user>.',
  })
  username?: string;

  @Field(() => String, {
    nullable: true,
    description: 'TURN REST credential: base64 HMAC-SHA1 of the username.',
  })
  credential?: string;
}

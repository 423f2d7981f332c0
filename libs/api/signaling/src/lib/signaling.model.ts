import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum VideoQualityEnum {
  AUTO = 'AUTO',
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}
registerEnumType(VideoQualityEnum, {
  name: 'VideoQuality',
  valuesMap: {
    AUTO: {
      description:
        "The media server picks the highest layer the viewer's connection sustains and adapts as it changes.",
    },
  },
});

@ObjectType('VideoLayer', {
  description:
    'A video layer the media server receives from the publisher (simulcast: up to three, HIGH to LOW).',
})
export class VideoLayerModel {
  @Field(() => VideoQualityEnum)
  quality!: VideoQualityEnum;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  @Field(() => Float, { description: 'Measured over the last seconds, as received.' })
  framesPerSecond!: number;

  @Field(() => Int)
  bitrateKbps!: number;
}

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

@ObjectType('MediaSession', {
  description: 'A WebRTC session with the SFU: its id and the SDP answer.',
})
export class MediaSessionModel {
  @Field(() => ID)
  sessionId!: string;

  @Field(() => String, {
    description: "The SFU's SDP answer (non-trickle: it carries every candidate).",
  })
  sdp!: string;
}

@ObjectType('MediaEvent', { description: 'What happens on the media path of a stream.' })
export class MediaEventModel {
  @Field(() => String, {
    description:
      'PUBLISHER_CONNECTED, PUBLISHER_RESTARTED, PUBLISHER_GONE, SESSION_CONNECTED, SESSION_CLOSED, KEYFRAME_REQUESTED or STREAM_ENDED.',
  })
  type!: string;

  @Field(() => ID)
  streamId!: string;

  @Field(() => ID, { nullable: true })
  sessionId?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Why, when known: MEDIA_RESTART on SESSION_CLOSED / PUBLISHER_GONE means the media worker holding the session stopped; the client re-opens its session at once.',
  })
  detail?: string;
}

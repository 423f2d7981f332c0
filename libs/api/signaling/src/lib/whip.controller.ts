import { Body, Controller, Delete, Headers, HttpCode, Ip, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';

import {
  DomainError,
  HTTP_STATUS_OF,
  Public,
  UnauthenticatedError,
  UuidPipe,
  type AuthUser,
} from '@finserve/api/core';
import { ErrorCode } from '@finserve/shared';

import { MediaRateLimitedError, SignalingService } from './signaling.service';

/** WHIP/WHEP errors: a status code and a one-line text body (no stack). */
function sendError(res: Response, error: unknown): void {
  if (error instanceof DomainError) {
    if (error instanceof MediaRateLimitedError)
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(HTTP_STATUS_OF[error.code]).type('text/plain').send(error.message);
    return;
  }
  throw error;
}

function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * WHIP (RFC 9725) ingest with the streamer's stream key as Bearer token, for OBS Studio and other
 * WHIP encoders, and WHEP egress for standard players. Body and answer are application/sdp;
 * 201 Created with the session resource in Location; DELETE on it ends the session.
 */
@Public()
@Controller()
export class WhipController {
  constructor(private readonly signaling: SignalingService) {}

  private async streamer(authorization: string | undefined): Promise<AuthUser> {
    const key = bearer(authorization);
    const user = key ? await this.signaling.userForStreamKey(key) : null;
    if (!user)
      throw new UnauthenticatedError(
        'A valid stream key is required (Authorization: Bearer <stream key>)',
      );
    return user;
  }

  /** POST /whip: publish to the key owner's LIVE stream. */
  @Post('whip')
  async whipToLive(
    @Ip() ip: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() sdp: string,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const user = await this.streamer(authorization);
      const streamId = await this.signaling.liveStreamOf(user.id);
      if (!streamId)
        throw new DomainError(
          ErrorCode.CONFLICT,
          'Go live first: there is no LIVE stream for this key',
        );
      this.answer(res, 'whip', await this.signaling.publish(user, streamId, String(sdp), { ip }));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Post('whip/:streamId')
  async whip(
    @Ip() ip: string,
    @Param('streamId', UuidPipe) streamId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() sdp: string,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const user = await this.streamer(authorization);
      this.answer(res, 'whip', await this.signaling.publish(user, streamId, String(sdp), { ip }));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Delete('whip/sessions/:sessionId')
  @HttpCode(200)
  async whipDelete(
    @Param('sessionId', UuidPipe) sessionId: string,
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.signaling.close(await this.streamer(authorization), sessionId);
      res.status(200).end();
    } catch (error) {
      sendError(res, error);
    }
  }

  @Post('whep/:streamId')
  async whep(
    @Ip() ip: string,
    @Param('streamId', UuidPipe) streamId: string,
    @Body() sdp: string,
    @Res() res: Response,
  ): Promise<void> {
    try {
      this.answer(res, 'whep', await this.signaling.play(null, streamId, String(sdp), { ip }));
    } catch (error) {
      sendError(res, error);
    }
  }

  @Delete('whep/sessions/:sessionId')
  async whepDelete(
    @Param('sessionId', UuidPipe) sessionId: string,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.signaling.close(null, sessionId);
      res.status(200).end();
    } catch (error) {
      sendError(res, error);
    }
  }

  private answer(
    res: Response,
    kind: 'whip' | 'whep',
    result: { session: { sessionId: string }; sdp: string },
  ): void {
    res
      .status(201)
      .location(`/${kind}/sessions/${result.session.sessionId}`)
      .type('application/sdp')
      .send(result.sdp);
  }
}

import type { IncomingMessage } from 'node:http';

import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  PayloadTooLargeException,
  Put,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Response } from 'express';

import {
  CurrentUser,
  NotFoundError,
  Public,
  RateLimitedError,
  rateLimitHeaders,
  type AuthUser,
} from '@finserve/api/core';

import {
  InvalidThumbnailError,
  THUMBNAIL_MAX_BYTES,
  THUMBNAIL_UPLOADS_PER_MINUTE,
  ThumbnailsService,
} from './thumbnails.service';

/** The body, up to `limit` bytes; null as soon as it is larger (the rest is left to be drained). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

const tooLarge = () =>
  new PayloadTooLargeException(`A thumbnail is at most ${THUMBNAIL_MAX_BYTES} bytes`);
const notJpeg = () => new UnsupportedMediaTypeException('A thumbnail must be a JPEG (image/jpeg)');

/**
 * PUT /streams/:id/thumbnail: the streamer's console uploads the latest frame of its LIVE stream
 * (image/jpeg, bearer access token as for GraphQL). GET /thumbnails/<id>.jpg serves it to anyone.
 */
@Controller()
export class ThumbnailsController {
  constructor(private readonly thumbnails: ThumbnailsService) {}

  @Put('streams/:id/thumbnail')
  @HttpCode(204)
  async upload(
    @Param('id') id: string,
    @CurrentUser() user: AuthUser,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    if (!isUUID(id)) throw new NotFoundError('Stream');
    // One spelling per stream (as for GraphQL ids): the rate-limit key must not vary with case.
    id = id.toLowerCase();
    const decision = await this.thumbnails.authorize(user, id);
    for (const [name, value] of Object.entries(
      rateLimitHeaders(decision, THUMBNAIL_UPLOADS_PER_MINUTE, 60),
    ))
      response.setHeader(name, value);
    if (!decision.allowed)
      throw new RateLimitedError(
        decision.retryAfterSeconds,
        `At most ${THUMBNAIL_UPLOADS_PER_MINUTE} thumbnails per minute; retry in ${decision.retryAfterSeconds} s`,
      );
    if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'image/jpeg') throw notJpeg();
    if (Number(contentLength) > THUMBNAIL_MAX_BYTES) throw tooLarge();
    const body = await readBody(request, THUMBNAIL_MAX_BYTES);
    if (!body) throw tooLarge();
    try {
      await this.thumbnails.save(id, body);
    } catch (error) {
      if (!(error instanceof InvalidThumbnailError)) throw error;
      throw error.status === 415
        ? new UnsupportedMediaTypeException(error.message)
        : new BadRequestException(error.message);
    }
  }

  @Public()
  @Get('thumbnails/:file')
  async file(@Param('file') file: string, @Res() response: Response): Promise<void> {
    const match = /^([0-9a-f-]{36})\.jpg$/i.exec(file);
    if (!match || !isUUID(match[1])) throw new NotFoundError('Thumbnail');
    const jpeg = await this.thumbnails.read(match[1].toLowerCase());
    if (!jpeg) throw new NotFoundError('Thumbnail');
    response
      .status(200)
      .type('image/jpeg')
      // URLs carry ?v=<upload time>; the bare path stays fresh within a console's upload period.
      .setHeader('Cache-Control', 'public, max-age=30')
      .send(jpeg);
  }
}

import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request, Response } from 'express';

import { Public } from '@finserve/api/core';
import type { HlsRendition } from '@finserve/api/media';

import { HlsService, HOLD_MS } from './hls.service';

const PLAYLIST = 'application/vnd.apple.mpegurl';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A request relayed from another API instance (never relayed again). */
const HOP_HEADER = 'x-finserve-hls-hop';
const RENDITION = /^[A-Za-z0-9_-]{1,16}$/;
const FILE = /^(?:init(\d{1,6})\.mp4|s(\d{1,9})\.m4s|p(\d{1,9})\.(\d{1,4})\.m4s|index\.m3u8)$/;

/**
 * LL-HLS over HTTP, for players and for CDNs in front of any API instance. Parts, segments and
 * init segments never change: cached for a year. Playlists asked with `_HLS_msn` (blocking reload)
 * are answered once that part exists and are cacheable too, keyed by their query: a CDN that
 * collapses concurrent requests (nginx `proxy_cache_lock`) sends one per part to the origin.
 */
@Controller('hls')
export class HlsController {
  constructor(private readonly hls: HlsService) {}

  @Public()
  @Get(':streamId/index.m3u8')
  async multivariant(
    @Param('streamId') streamId: string,
    @Req() req: Request,
    @Res() res: Response,
    @Headers(HOP_HEADER) hop?: string,
  ): Promise<void> {
    if (!isUUID(streamId)) return malformed(res);
    const packager = this.hls.packager(streamId);
    if (!packager) return this.relay(streamId, req, res, hop);
    if (!packager.available) return notFound(res);
    send(res, 200, PLAYLIST, 'public, max-age=2', packager.multivariant());
  }

  @Public()
  @Get(':streamId/:rendition/:file')
  async file(
    @Param('streamId') streamId: string,
    @Param('rendition') renditionKey: string,
    @Param('file') file: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
    @Headers(HOP_HEADER) hop?: string,
  ): Promise<void> {
    const match = FILE.exec(file);
    if (!isUUID(streamId) || !RENDITION.test(renditionKey) || !match) return malformed(res);
    const packager = this.hls.packager(streamId);
    if (!packager) return this.relay(streamId, req, res, hop);
    const rendition = packager.rendition(renditionKey);
    if (!rendition || !packager.isH264) return notFound(res);
    const [, init, segment, partMsn, partIndex] = match;
    if (init !== undefined) {
      const bytes = rendition.inits.get(Number(init));
      return bytes ? send(res, 200, 'video/mp4', IMMUTABLE, bytes) : notFound(res);
    }
    if (segment !== undefined) {
      const msn = Number(segment);
      if (!(await waitFor(rendition, msn))) return notFound(res);
      const parts = rendition.segmentBytes(msn);
      const bytes = parts
        ? Buffer.concat(parts)
        : await this.hls.segmentFromDisk(streamId, renditionKey, msn);
      return bytes ? send(res, 200, 'video/mp4', IMMUTABLE, bytes) : notFound(res);
    }
    if (partMsn !== undefined) {
      const msn = Number(partMsn);
      const index = Number(partIndex);
      // A part not there yet (the preload hint): held until it is, or until it never will be.
      if (msn > rendition.liveMsn + 1) return notFound(res);
      await waitFor(rendition, msn, index);
      const inMemory = rendition.part(msn, index);
      const stored = inMemory ? undefined : rendition.evictedPart(msn, index);
      const bytes =
        inMemory ??
        (stored &&
          (await this.hls.partFromDisk(streamId, renditionKey, msn, stored.offset, stored.length)));
      return bytes ? send(res, 200, 'video/mp4', IMMUTABLE, bytes) : notFound(res);
    }
    return this.mediaPlaylist(packager.renditions, rendition, query, res);
  }

  private async mediaPlaylist(
    all: Map<string, HlsRendition>,
    rendition: HlsRendition,
    query: Record<string, unknown>,
    res: Response,
  ): Promise<void> {
    const msn = integer(query['_HLS_msn']);
    const part = integer(query['_HLS_part']);
    const skip = query['_HLS_skip'] === 'YES' || query['_HLS_skip'] === 'v2';
    if (msn === null || part === null || (part !== undefined && msn === undefined))
      return send(res, 400, 'text/plain', 'no-store', 'bad _HLS_ parameters\n');
    if (msn !== undefined) {
      // RFC 8216bis 6.2.5.2: more than two segments ahead is an error, at once.
      if (msn > rendition.liveMsn + 1)
        return send(res, 400, 'text/plain', 'no-store', '_HLS_msn is too far ahead\n');
      if (!(await waitFor(rendition, msn, part)))
        return send(res, 503, 'text/plain', 'no-store', 'not available yet\n');
    }
    if (!rendition.last) return notFound(res);
    const body = rendition.playlist(skip, [...all.values()]);
    // A blocking answer is the playlist as of that part: the same for everyone who asks.
    send(res, 200, PLAYLIST, msn !== undefined ? 'public, max-age=60' : 'public, max-age=1', body);
  }

  /** Any instance answers: the stream is packaged on its home node, asked here on our behalf. */
  private async relay(streamId: string, req: Request, res: Response, hop?: string): Promise<void> {
    if (hop) return notFound(res);
    const home = await this.hls.homeAddress(streamId).catch(() => null);
    if (!home) return notFound(res);
    try {
      const upstream = await fetch(`${home}${req.originalUrl}`, {
        headers: { [HOP_HEADER]: '1' },
        signal: AbortSignal.timeout(HOLD_MS + 4000),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      send(
        res,
        upstream.status,
        upstream.headers.get('content-type') ?? 'application/octet-stream',
        upstream.headers.get('cache-control') ?? 'no-store',
        body,
      );
    } catch {
      send(res, 502, 'text/plain', 'no-store', 'the stream home node did not answer\n');
    }
  }
}

/** Waits (HOLD_MS at most) until the part or segment is there or never will be. */
function waitFor(rendition: HlsRendition, msn: number, part?: number): Promise<boolean> {
  if (rendition.has(msn, part)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const stop = rendition.onChange(() => {
      if (!rendition.has(msn, part)) return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, HOLD_MS);
    timer.unref();
  });
}

function integer(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return null;
  return Number(value);
}

/**
 * Not here (yet): a playlist, part, segment or rendition that is not there now may be a moment
 * later (a publisher starting, a part the home node is late with under load), so the answer is
 * never cached: a cached 404, even for a second, was seen in bench:hls to reach every player behind
 * the CDN for a part the playlists then listed.
 */
function notFound(res: Response): void {
  send(res, 404, 'text/plain', 'no-store', 'not found\n');
}

/** A path that can never name anything (not a stream id, rendition or file name): cacheable. */
function malformed(res: Response): void {
  send(res, 404, 'text/plain', 'public, max-age=60', 'not found\n');
}

function send(
  res: Response,
  status: number,
  type: string,
  cacheControl: string,
  body: string | Uint8Array,
): void {
  res
    .status(status)
    .setHeader('content-type', type)
    .setHeader('cache-control', cacheControl)
    .setHeader('access-control-allow-origin', '*')
    .setHeader('cross-origin-resource-policy', 'cross-origin')
    .end(
      typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    );
}

import type { ApolloDriverConfig } from '@nestjs/apollo';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { FormattedExecutionResult, OperationDefinitionNode } from 'graphql';

import { PUB_SUB, type EventBus } from '@finserve/api/core';
import {
  LIVE_STREAMS_CHANNEL,
  StreamEventsPublisher,
  type StreamEvent,
} from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { cacheKeyOf, listSignature, RESPONSE_CACHE_SECONDS, ResponseCache } from './response-cache';

type ApolloPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];

/** What the plugin sees of Apollo's request context (its CJS and ESM typings differ). */
interface RequestContext {
  request: {
    http?: { method: string; headers: Map<string, string> };
    variables?: Record<string, unknown>;
  };
  response: { http: { headers: Map<string, string> }; body?: { kind: string } };
  operation?: OperationDefinitionNode;
  operationName?: string | null;
  queryHash?: string;
  errors?: readonly unknown[];
}

/** An answer as Apollo sent it. */
interface CachedBytes {
  body: string;
  contentType: string;
}

/**
 * Whether Apollo would answer this GET itself: a content-type, if any, is JSON (other types get
 * its 415), and its CSRF prevention lets it through: a header a browser cannot send without a
 * preflight (apollo-require-preflight, x-apollo-operation-name) or a non-simple content-type.
 */
function apolloServes(request: Request): boolean {
  const { headers } = request;
  const type = headers['content-type'];
  if (type !== undefined && type.split(';')[0].trim().toLowerCase() !== 'application/json')
    return false;
  return (
    type !== undefined ||
    headers['apollo-require-preflight'] !== undefined ||
    headers['x-apollo-operation-name'] !== undefined
  );
}

/**
 * The response cache of the public lists (issue 22): an anonymous GET of `liveStreams`,
 * `upcomingStreams`, `recentReplays`, `categories` or `searchStreams` — what a CDN, a dashboard
 * or Automatic Persisted Queries send — is answered from memory for up to 1 s, and carries
 * `Cache-Control: public, max-age=1` so HTTP caches in front share it too. Every instance drops
 * its cached lists when a stream event changes what a list shows (went live, ended, renamed, new
 * thumbnail, scheduled, cancelled): the instance that made the change before it answers, the
 * others as the event crosses the bus; a count is at most 1 s old, as is a schedule made on
 * another instance (the bus carries only the live list's events).
 * POST requests (the web app, signed-in callers) are never cached. `X-Response-Cache: hit|miss`
 * says which it was.
 */
@Injectable()
export class ResponseCacheService implements OnModuleInit, OnModuleDestroy {
  readonly cache = new ResponseCache<FormattedExecutionResult>(RESPONSE_CACHE_SECONDS * 1000, 1000);
  /**
   * The same answers as the bytes Apollo sent, by raw query string and Accept header: a hit is
   * answered by `httpFastPath` before Apollo parses, validates or serializes anything.
   */
  readonly bytes = new ResponseCache<CachedBytes>(RESPONSE_CACHE_SECONDS * 1000, 1000);
  /** The list-visible state last seen of each stream. */
  private readonly signatures = new Map<string, string>();
  private subscription?: number;

  constructor(
    @Inject(PUB_SUB) private readonly bus: EventBus,
    events: StreamEventsPublisher,
  ) {
    // This instance's own changes: at once, before the mutation answers.
    events.onLocalChange((event) => (event ? this.streamChanged(event) : this.invalidate()));
  }

  async onModuleInit(): Promise<void> {
    this.subscription = await this.bus.subscribe(
      LIVE_STREAMS_CHANNEL,
      (event: StreamEvent) => this.streamChanged(event),
      {},
    );
  }

  onModuleDestroy(): void {
    if (this.subscription !== undefined) this.bus.unsubscribe(this.subscription);
  }

  streamChanged(event: StreamEvent): void {
    const signature = listSignature(event);
    if (this.signatures.get(event.id) === signature) return; // a count only
    if (event.status === StreamStatus.ENDED) this.signatures.delete(event.id);
    else this.signatures.set(event.id, signature);
    this.invalidate();
  }

  private invalidate(): void {
    this.cache.invalidate();
    this.bytes.invalidate();
  }

  /**
   * Express middleware on /graphql, after the API rate limit: an anonymous GET whose answer is in
   * `bytes` gets those bytes at once (res.send, so ETag and 304 work as for Apollo's answers);
   * on a miss, the bytes Apollo sends are kept when the plugin marked them cacheable
   * (x-response-cache). Only requests Apollo itself would serve qualify: no Authorization, and a
   * preflight-forcing header (its CSRF prevention); anything else goes on to Apollo untouched.
   */
  httpFastPath(): (request: Request, response: Response, next: NextFunction) => void {
    const bytes = this.bytes;
    return (request, response, next) => {
      const query = request.originalUrl.indexOf('?');
      if (
        request.method !== 'GET' ||
        query < 0 ||
        request.headers.authorization !== undefined ||
        !apolloServes(request)
      ) {
        next();
        return;
      }
      const key = `${request.originalUrl.slice(query)}\n${request.headers.accept ?? ''}`;
      const cached = bytes.get(key);
      if (cached) {
        response.status(200);
        response.setHeader('content-type', cached.contentType);
        response.setHeader('cache-control', `public, max-age=${RESPONSE_CACHE_SECONDS}`);
        response.setHeader('x-response-cache', 'hit');
        response.send(cached.body);
        return;
      }
      const generation = bytes.current();
      const send = response.send.bind(response);
      response.send = ((body?: unknown) => {
        const marked = response.getHeader('x-response-cache');
        const contentType = response.getHeader('content-type');
        if (
          response.statusCode === 200 &&
          (marked === 'miss' || marked === 'hit') &&
          typeof body === 'string' &&
          typeof contentType === 'string'
        ) {
          bytes.set(key, { body, contentType }, generation);
        }
        return send(body);
      }) as Response['send'];
      next();
    };
  }

  plugin(): ApolloPlugin {
    const cache = this.cache;
    return {
      requestDidStart: (started: RequestContext) => {
        const http = started.request.http;
        if (http?.method !== 'GET' || http.headers.get('authorization')) return Promise.resolve({});
        let key: string | null = null;
        let generation = 0;
        let hit = false;
        return Promise.resolve({
          responseForOperation: (context: RequestContext) => {
            if (!context.operation || !context.queryHash) return Promise.resolve(null);
            key = cacheKeyOf({
              operation: context.operation,
              queryHash: context.queryHash,
              operationName: context.operationName ?? null,
              variables: context.request.variables,
            });
            if (!key) return Promise.resolve(null);
            generation = cache.current();
            const cached = cache.get(key);
            if (!cached) return Promise.resolve(null);
            hit = true;
            return Promise.resolve({
              http: { status: undefined, headers: context.response.http.headers },
              body: { kind: 'single', singleResult: cached },
            });
          },
          willSendResponse: (context: RequestContext & { response: { body?: unknown } }) => {
            if (!key) return Promise.resolve();
            const body = context.response.body as
              | { kind: 'single'; singleResult: FormattedExecutionResult }
              | { kind: 'incremental' }
              | undefined;
            if (body?.kind !== 'single' || body.singleResult.errors?.length)
              return Promise.resolve();
            if (!hit) cache.set(key, body.singleResult, generation);
            context.response.http.headers.set('x-response-cache', hit ? 'hit' : 'miss');
            context.response.http.headers.set(
              'cache-control',
              `public, max-age=${RESPONSE_CACHE_SECONDS}`,
            );
            return Promise.resolve();
          },
        });
      },
    };
  }
}

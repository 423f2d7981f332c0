import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Params } from 'nestjs-pino';
import createPrettyStream from 'pino-pretty';

import type { AppConfig } from '@finserve/api/core';

import { prettyConsole } from './console';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BOOT_NOISE =
  /"context":"(InstanceLoader|RoutesResolver|RouterExplorer|NestFactory|GraphQLModule)"/;

/**
 * Structured JSON logs (pino) with a request id per HTTP request: the caller's X-Request-Id when it
 * is sane, a new UUID otherwise; echoed back in the response. Credentials never reach the log.
 * A person at a terminal outside production reads them through pino-pretty instead.
 */
export function loggingConfig(config: AppConfig): Params {
  const options = {
    level: config.LOG_LEVEL,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const header = req.headers['x-request-id'];
      const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : ('info' as const),
  } satisfies Params['pinoHttp'];
  if (!prettyConsole(config)) return { pinoHttp: options };
  const pretty = createPrettyStream({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,req,res,responseTime,context',
    messageFormat:
      '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.url} {res.statusCode} {responseTime} ms{end}',
    singleLine: true,
  });
  // Nest's start-up inventory (every module and route) is noise at a terminal.
  const stream = {
    write: (line: string) => {
      if (!BOOT_NOISE.test(line)) pretty.write(line);
    },
  };
  return { pinoHttp: [options, stream] };
}

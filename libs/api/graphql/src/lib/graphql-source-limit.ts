import type { NextFunction, Request, Response } from 'express';

import { ErrorCode } from '@finserve/shared';

import type { OperationLimits } from './operation-limits';

/**
 * Express middleware for /graphql: refuses a query text that is too large or nested too deeply
 * before Apollo parses it (BAD_USER_INPUT, 400).
 */
export function graphqlSourceLimit(limits: OperationLimits) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = req.body as { query?: unknown } | undefined;
    const query = req.method === 'GET' ? req.query['query'] : body?.query;
    const refusal = limits.checkSource(query);
    if (!refusal) return next();
    res.status(400).json({
      errors: [{ message: refusal.message, extensions: { code: ErrorCode.BAD_USER_INPUT } }],
    });
  };
}

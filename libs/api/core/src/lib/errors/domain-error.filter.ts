import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { DomainError } from './domain-error';
import { HTTP_STATUS_OF } from './http-status';

/** Domain errors on REST endpoints: the matching HTTP status and `{ code, message }`. */
@Catch(DomainError)
export class DomainErrorHttpFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): DomainError | void {
    if (host.getType<string>() !== 'http') return error; // GraphQL formats its own errors
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(HTTP_STATUS_OF[error.code])
      .json({ code: error.code, message: error.message, ...error.extensions });
  }
}

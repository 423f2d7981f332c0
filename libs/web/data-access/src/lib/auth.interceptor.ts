import type { HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';

import { TokenStorage } from './token-storage';

/** Adds the bearer token to the app's own /graphql requests. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const token = inject(TokenStorage).read();
  if (!token || !request.url.startsWith('/graphql')) return next(request);
  return next(request.clone({ setHeaders: { authorization: `Bearer ${token}` } }));
};

import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';

import { AuthService } from './auth.service';

/** Signed-in users only; others go to the sign-in page and come back afterwards. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  await auth.ready();
  return auth.signedIn()
    ? true
    : router.createUrlTree(['/signin'], { queryParams: { returnUrl: state.url } });
};

import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import {
  ForbiddenError,
  gqlContextOf,
  ROLES_KEY,
  UnauthenticatedError,
  type AuthUser,
} from '@finserve/api/core';
import type { Role } from '@finserve/shared';

/** Enforces @Roles(...) after JwtAuthGuard established the user. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles?.length) return true;
    const user: AuthUser | null | undefined =
      context.getType<string>() === 'graphql'
        ? gqlContextOf(context).user
        : context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw new UnauthenticatedError();
    if (!roles.includes(user.role)) throw new ForbiddenError(`Requires role ${roles.join(' or ')}`);
    return true;
  }
}

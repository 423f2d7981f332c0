import type { IncomingMessage, ServerResponse } from 'node:http';

import { All, Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';

import { CurrentUser, Public, SessionOnly, type AuthUser } from '@finserve/api/core';

import { ConsentAnswerInput } from './dto/consent.input';
import { OAuthProviderService, type ConsentRequest } from './oauth-provider.service';

type ExpressRequest = IncomingMessage & { url: string; protocol?: string };

/**
 * The OAuth endpoints of the contract (oidc-provider answers them) and the two the consent page
 * calls with the signed-in user's session token.
 */
@Controller()
export class OAuthController {
  constructor(private readonly oauth: OAuthProviderService) {}

  /** RFC 8414 metadata: the provider's discovery document (issuer, endpoints, S256, grants). */
  @Public()
  @Get('.well-known/oauth-authorization-server')
  metadata(@Req() req: ExpressRequest, @Res() res: ServerResponse): Promise<void> {
    req.url = '/.well-known/openid-configuration';
    return this.oauth.handle(req, res);
  }

  @Public()
  @All(['oauth/authorize', 'oauth/authorize/:uid', 'oauth/token', 'oauth/revoke', 'oauth/jwks'])
  protocol(@Req() req: ExpressRequest, @Res() res: ServerResponse): Promise<void> {
    return this.oauth.handle(req, res);
  }

  /** What the consent page shows: the app and the scopes it asks for. */
  @SessionOnly()
  @Get('oauth/interaction/:uid')
  consentRequest(@Param('uid') uid: string, @Req() req: ExpressRequest): Promise<ConsentRequest> {
    return this.oauth.consentRequest(uid, this.oauth.issuerFor(req));
  }

  /** The user approves or denies; the page then sends the browser to `redirectTo`. */
  @SessionOnly()
  @Post('oauth/interaction/:uid')
  answer(
    @Param('uid') uid: string,
    @CurrentUser() user: AuthUser,
    @Body() body: ConsentAnswerInput,
    @Req() req: ExpressRequest,
  ): Promise<{ redirectTo: string }> {
    return this.oauth.finish(uid, this.oauth.issuerFor(req), user, body.approve);
  }
}

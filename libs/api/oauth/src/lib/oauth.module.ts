import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';

import { OAuthAppsRepository } from './oauth-apps.repository';
import { OAuthAppsResolver } from './oauth-apps.resolver';
import { OAuthAppsService } from './oauth-apps.service';
import { OAuthProviderService } from './oauth-provider.service';
import { OAuthRecordsRepository } from './oauth-records.repository';
import { OAuthController } from './oauth.controller';

/** Third-party apps: OAuth apps, the OAuth 2.1 authorization server, its tokens on the API. */
@Module({
  imports: [AuthModule],
  controllers: [OAuthController],
  providers: [
    OAuthRecordsRepository,
    OAuthAppsRepository,
    OAuthAppsService,
    OAuthAppsResolver,
    OAuthProviderService,
  ],
  exports: [OAuthAppsService],
})
export class OAuthModule {}

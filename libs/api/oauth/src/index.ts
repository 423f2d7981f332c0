export * from './lib/oauth-apps.service';
export * from './lib/oauth-app.model';
export * from './lib/oauth.module';
export * from './lib/oauth-provider.service';
export * from './lib/redirect-uri';

export * from './lib/follows.service';
export * from './lib/notification-fanout.service';
export * from './lib/notifications.service';
export * from './lib/push-endpoint';
export * from './lib/social.models';
export * from './lib/social.module';
export * from './lib/web-push.service';

export * from './lib/follow-button.component';
export * from './lib/following-section.component';
export * from './lib/notification-bell.component';
export * from './lib/notifications.store';
export * from './lib/web-push.service';

export * from './lib/webhook-crypto';
export * from './lib/webhook-delivery.service';
export * from './lib/webhook-retry';
export * from './lib/webhook-url';
export * from './lib/webhooks.model';
export * from './lib/webhooks.module';
export * from './lib/webhooks.service';

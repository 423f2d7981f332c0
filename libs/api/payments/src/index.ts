export * from './lib/payments.model';
export * from './lib/payments.module';
export * from './lib/payments.service';
export * from './lib/providers';
export * from './lib/payouts.service';

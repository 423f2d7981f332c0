export * from './lib/tip.model';
export * from './lib/tips.module';
export * from './lib/tips.service';
export * from './lib/verify-ledger';

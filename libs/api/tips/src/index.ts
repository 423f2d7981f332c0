export * from './lib/tip.model';
export * from './lib/tips.module';
export { TipLoader } from './lib/tips.resolver';
export * from './lib/tips.service';
export * from './lib/verify-ledger';
export type { MoneyTotal, TipFigures } from './lib/tips.repository';
